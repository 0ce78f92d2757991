// Drives Backstage's own @backstage/catalog-client (exact version pinned in
// package.json) against a running Portico, for e2e/catalogclient_test.go.
//
//   node client.cjs <catalog base URL, e.g. http://127.0.0.1:7007/api/catalog> <case>...
//
// Each case calls one method of CatalogClient as its index.d.ts documents it
// and returns a JSON summary of the answer. The output is one JSON object,
// keyed by case: {"result": ...}, {"undefined": true} when the method
// resolved to undefined, or {"error": {name, message, status, errorName,
// errorMessage}} when it threw (the last two from the answer's body). PORTICO_TOKEN, when set, is passed as the request option
// `token` (Authorization: Bearer). A case named "<method>" or
// "<method>/<variant>" covers <method>; the Go test checks that every public
// method of the client has a case. The location cases register
// PORTICO_REPO (a nested catalog the test serves) and share what they
// learn (the new location's id) in order.
'use strict';

const { CatalogClient } = require('@backstage/catalog-client');

const [baseUrl, ...names] = process.argv.slice(2);
const client = new CatalogClient({
  discoveryApi: { getBaseUrl: async () => baseUrl },
  fetchApi: { fetch },
});
const options = process.env.PORTICO_TOKEN ? { token: process.env.PORTICO_TOKEN } : undefined;

const nameOf = e => (e === undefined ? '<undefined>' : e === null ? '<null>' : e.metadata.name);
const namesOf = items => items.map(nameOf);

const validEntity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checked' },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
};

async function uidOf(ref) {
  const e = await client.getEntityByRef(ref, options);
  return e.metadata.uid;
}

const cases = {
  'getEntities': async () => {
    const { items } = await client.getEntities(
      { filter: { kind: 'API' }, fields: ['metadata.name'], order: { field: 'metadata.name', order: 'desc' } },
      options,
    );
    return namesOf(items);
  },
  'getEntities/paged': async () => {
    const { items } = await client.getEntities(
      {
        filter: [{ kind: 'API', 'spec.type': 'openapi' }, { kind: 'Resource' }],
        fields: ['kind', 'metadata.name'],
        order: [{ field: 'kind', order: 'desc' }, { field: 'metadata.name', order: 'asc' }],
        offset: 1,
        limit: 2,
      },
      options,
    );
    return items;
  },
  'getEntitiesByRefs': async () => {
    const { items } = await client.getEntitiesByRefs(
      {
        entityRefs: ['api:default/gamma-api', 'api:default/missing', 'api:gamma-api', 'API:default/gamma-api', 'user:default/zoe'],
        fields: ['kind', 'metadata.name'],
      },
      options,
    );
    return namesOf(items);
  },
  'getEntitiesByRefs/filter': async () => {
    const { items } = await client.getEntitiesByRefs(
      { entityRefs: ['api:default/alpha-api', 'api:default/beta-api'], filter: { 'spec.type': 'grpc' } },
      options,
    );
    return namesOf(items);
  },
  'queryEntities': async () => {
    const first = await client.queryEntities(
      { filter: { kind: 'API' }, orderFields: { field: 'metadata.name', order: 'asc' }, limit: 2, fields: ['metadata.name'] },
      options,
    );
    const second = await client.queryEntities({ cursor: first.pageInfo.nextCursor, limit: 2, fields: ['metadata.name'] }, options);
    const back = await client.queryEntities({ cursor: second.pageInfo.prevCursor, limit: 2, fields: ['metadata.name'] }, options);
    const page = p => ({ names: namesOf(p.items), totalItems: p.totalItems, next: !!p.pageInfo.nextCursor, prev: !!p.pageInfo.prevCursor });
    return { first: page(first), second: page(second), back: page(back) };
  },
  'queryEntities/query': async () => {
    // A filter predicate: the client POSTs it, ANDed with the filter, and
    // sends the next pages to POST too (the cursor carries the query).
    const query = {
      $any: [
        { 'spec.type': 'grpc' },
        { 'metadata.tags': { $contains: 'REST' } },
        { relations: { $contains: { type: 'providesApi' } } },
      ],
    };
    const first = await client.queryEntities(
      { query, filter: { kind: ['API', 'Component'] }, orderFields: { field: 'metadata.name', order: 'desc' }, limit: 3, fields: ['metadata.name'] },
      options,
    );
    const second = await client.queryEntities({ cursor: first.pageInfo.nextCursor, limit: 3, fields: ['metadata.name'] }, options);
    const back = await client.queryEntities({ cursor: second.pageInfo.prevCursor, limit: 3, fields: ['metadata.name'] }, options);
    const page = p => ({ names: namesOf(p.items), totalItems: p.totalItems, next: !!p.pageInfo.nextCursor, prev: !!p.pageInfo.prevCursor });
    return { first: page(first), second: page(second), back: page(back) };
  },
  'queryEntities/invalidQuery': async () => client.queryEntities({ query: { kind: { $regex: 'a.*' } } }, options),
  'queryEntities/fullText': async () => {
    const res = await client.queryEntities(
      { filter: { kind: 'API' }, fullTextFilter: { term: 'gamma', fields: ['metadata.name', 'metadata.title'] }, fields: ['metadata.name'] },
      options,
    );
    return { names: namesOf(res.items), totalItems: res.totalItems };
  },
  'getEntityAncestors': async () => {
    const res = await client.getEntityAncestors({ entityRef: 'component:default/shop' }, options);
    return {
      rootEntityRef: res.rootEntityRef,
      items: res.items.map(i => ({ name: nameOf(i.entity), parentEntityRefs: i.parentEntityRefs })),
    };
  },
  'getEntityByRef': async () => {
    const byString = await client.getEntityByRef('component:default/shop', options);
    const byCompound = await client.getEntityByRef({ kind: 'Component', namespace: 'default', name: 'shop' }, options);
    return {
      name: byString.metadata.name,
      uid: byString.metadata.uid,
      sameByCompound: JSON.stringify(byString) === JSON.stringify(byCompound),
      spec: byString.spec,
      relations: byString.relations,
    };
  },
  'getEntityByRef/missing': async () => client.getEntityByRef('component:default/missing', options),
  'getEntityByName': async () => {
    const e = await client.getEntityByName({ kind: 'User', namespace: 'default', name: 'zoe' }, options);
    return { kind: e.kind, name: e.metadata.name, spec: e.spec };
  },
  'getEntityFacets/query': async () =>
    client.getEntityFacets(
      {
        facets: ['kind', 'spec.type'],
        query: { 'relations.ownedBy': 'group:default/team-a', kind: { $in: ['API', 'Component'] } },
        filter: { 'spec.lifecycle': 'production' },
      },
      options,
    ),
  'getEntitiesByRefs/query': async () => {
    const { items } = await client.getEntitiesByRefs(
      {
        entityRefs: ['api:default/alpha-api', 'api:default/beta-api', 'component:default/shop'],
        query: { 'spec.lifecycle': { $hasPrefix: 'Prod' } },
        filter: { kind: 'API' },
        fields: ['metadata.name'],
      },
      options,
    );
    return namesOf(items);
  },
  'getEntityFacets': async () =>
    client.getEntityFacets({ facets: ['kind', 'spec.type'], filter: { kind: ['API', 'Component'] } }, options),
  'validateEntity': async () => client.validateEntity(validEntity, 'url:https://example.com/catalog-info.yaml', options),
  'validateEntity/invalid': async () => {
    const { spec, ...noSpec } = validEntity;
    return client.validateEntity({ ...noSpec, spec: { type: 'service', lifecycle: 'production' } }, 'url:https://example.com/catalog-info.yaml', options);
  },
  'validateEntity/badLocation': async () => client.validateEntity(validEntity, 'file:/srv/catalog-info.yaml', options),
  'streamEntities': async () => {
    const pages = [];
    for await (const page of client.streamEntities({ filter: { kind: 'API' }, fields: ['metadata.name'], pageSize: 2 }, options)) {
      pages.push(namesOf(page));
    }
    return pages;
  },
  // Removes db: run it after the cases that read it.
  'removeEntityByUid': async () => {
    const uid = await uidOf('resource:default/db');
    const removed = await client.removeEntityByUid(uid, options);
    const after = await client.getEntityByRef('resource:default/db', options);
    const again = await client.removeEntityByUid(uid, options);
    return { removed: removed === undefined, gone: after === undefined, againResolved: again === undefined };
  },
  // Tries to remove alpha-api; the test decides whether that may succeed.
  'removeEntityByUid/alpha': async () => {
    const e = await client.getEntityByRef('api:default/alpha-api');
    await client.removeEntityByUid(e.metadata.uid, options);
    return (await client.getEntityByRef('api:default/alpha-api')) === undefined;
  },
};

const repo = process.env.PORTICO_REPO;
const registered = {};
const sortedNames = entities => entities.map(e => `${e.kind.toLowerCase()}:${e.metadata.name}`).sort();
const locationCases = {
  'getLocations': async () => (await client.getLocations({}, options)).items.map(l => l.type),
  'addLocation/dryRun': async () => {
    const res = await client.addLocation({ target: `${repo}/all.yaml`, dryRun: true }, options);
    return { id: res.location.id, exists: res.exists, entities: sortedNames(res.entities) };
  },
  'addLocation': async () => {
    const res = await client.addLocation({ type: 'url', target: `${repo}/all.yaml` }, options);
    registered.id = res.location.id;
    return { type: res.location.type, target: res.location.target, uuid: /^[0-9a-f-]{36}$/.test(res.location.id), entities: res.entities };
  },
  'addLocation/conflict': async () => client.addLocation({ target: `${repo}/all.yaml` }, options),
  'addLocation/refresh': async () => {
    const res = await client.addLocation({ target: `${repo}/all.yaml`, onConflict: 'refresh' }, options);
    return { sameId: res.location.id === registered.id };
  },
  'getLocationById': async () => {
    const l = await client.getLocationById(registered.id, options);
    return { target: l.target, type: l.type };
  },
  'getLocationById/missing': async () => client.getLocationById('00000000-0000-4000-8000-000000000000', options),
  'getLocationByRef': async () => {
    const l = await client.getLocationByRef(`url:${repo}/all.yaml`, options);
    return l.id === registered.id;
  },
  'getLocationByEntity': async () => {
    for (let i = 0; i < 100; i++) { // the first read runs in the background
      if (await client.getEntityByRef('component:default/nested-a', options)) break;
      await new Promise(r => setTimeout(r, 50));
    }
    const l = await client.getLocationByEntity('component:default/nested-a', options);
    return l.id === registered.id;
  },
  'queryLocations': async () => {
    const first = await client.queryLocations({ limit: 1 }, options);
    const second = await client.queryLocations({ cursor: first.pageInfo.nextCursor }, options);
    const urls = await client.queryLocations({ query: { type: 'url', target: { $hasPrefix: repo } } }, options);
    return {
      total: first.totalItems, firstPage: first.items.length, secondPage: second.items.length, last: !second.pageInfo.nextCursor,
      urls: urls.items.map(l => l.id === registered.id),
    };
  },
  'streamLocations': async () => {
    const pages = [];
    for await (const page of client.streamLocations({ query: { type: { $in: ['url', 'file'] } } }, options)) {
      pages.push(page.map(l => l.type).sort());
    }
    return pages;
  },
  'refreshEntity': async () => client.refreshEntity('component:default/nested-a', options),
  'updateLocation': async () => {
    const l = await client.updateLocation(registered.id, { target: `${repo}/other.yaml` }, options);
    return { sameId: l.id === registered.id, target: l.target };
  },
  'analyzeLocation': async () => client.analyzeLocation({ location: { type: 'url', target: `${repo}/all.yaml` } }, options),
  'removeLocationById': async () => {
    await client.removeLocationById(registered.id, options);
    return (await client.getLocationById(registered.id, options)) === undefined;
  },
};
Object.assign(cases, locationCases);

async function main() {
  const out = {};
  for (const name of names) {
    const run = cases[name];
    if (!run) {
      throw new Error(`no case ${name}; cases: ${Object.keys(cases).join(', ')}`);
    }
    try {
      const result = await run();
      out[name] = result === undefined ? { undefined: true } : { result };
    } catch (e) {
      out[name] = {
        error: {
          name: e.name,
          message: e.message,
          status: e.response?.status ?? null,
          errorName: e.body?.error?.name ?? null,
          errorMessage: e.body?.error?.message ?? null,
        },
      };
    }
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch(e => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
