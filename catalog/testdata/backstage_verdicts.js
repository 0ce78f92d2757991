// Verdicts of Backstage 4.0's catalog on entities, for the differential
// test in backstage_test.go. Reads a JSON array of entities (as a file
// location would read them) on stdin and prints a JSON array of
// {valid, error} or {skip} in the same order.
//
// The steps and their order are plugin-catalog-backend 4.0's
// (ProcessorOutputCollector, then DefaultCatalogProcessingOrchestrator):
// the envelope schema; the default entity policies (SchemaValidEntityPolicy,
// DefaultNamespaceEntityPolicy, NoForeignRootFieldsEntityPolicy,
// FieldFormatEntityPolicy); the Entity schema; the kind validators of
// BuiltinKindsEntityProcessor, of which one must recognise the entity; and
// the entity refs its postProcessEntity parses. Template is recognised by
// the scaffolder's entity model module, through
// @backstage/plugin-scaffolder-common when that package is installed.
'use strict';

const model = require('@backstage/catalog-model');

function templateValidator() {
  try {
    return require('@backstage/plugin-scaffolder-common').templateEntityV1beta3Validator;
  } catch {
    return undefined;
  }
}

const template = templateValidator();
const kindValidators = [
  model.apiEntityV1alpha1Validator,
  model.componentEntityV1alpha1Validator,
  model.resourceEntityV1alpha1Validator,
  model.groupEntityV1alpha1Validator,
  model.locationEntityV1alpha1Validator,
  model.userEntityV1alpha1Validator,
  model.systemEntityV1alpha1Validator,
  model.domainEntityV1alpha1Validator,
  ...(template ? [template] : []),
];

const policies = model.EntityPolicies.allOf([
  new model.SchemaValidEntityPolicy(),
  new model.DefaultNamespaceEntityPolicy(),
  new model.NoForeignRootFieldsEntityPolicy(),
  new model.FieldFormatEntityPolicy(model.makeValidator()),
]);
const checkEnvelope = model.entityEnvelopeSchemaValidator();
const checkEntity = model.entitySchemaValidator();

// The spec fields whose refs BuiltinKindsEntityProcessor (and, for
// Template, ScaffolderEntitiesProcessor) parses, with their default kinds.
const refFields = {
  Component: { owner: 'Group', subcomponentOf: 'Component', providesApis: 'API', consumesApis: 'API', dependsOn: undefined, dependencyOf: undefined, system: 'System' },
  API: { owner: 'Group', system: 'System' },
  Resource: { owner: 'Group', dependsOn: undefined, dependencyOf: undefined, system: 'System' },
  User: { memberOf: 'Group' },
  Group: { parent: 'Group', children: 'Group', members: 'User' },
  System: { owner: 'Group', domain: 'Domain' },
  Domain: { owner: 'Group', subdomainOf: 'Domain' },
  Template: { owner: 'Group' },
};

async function judge(input) {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error('Expected object at root');
  }
  let entity = checkEnvelope(input);
  const annotations = entity.metadata.annotations || {};
  if (typeof annotations !== 'object' || Array.isArray(annotations)) {
    throw new Error('metadata.annotations must be a valid object');
  }
  entity = {
    ...entity,
    metadata: {
      ...entity.metadata,
      annotations: {
        ...annotations,
        'backstage.io/managed-by-location': 'file:/catalog/catalog-info.yaml',
        'backstage.io/managed-by-origin-location': 'file:/catalog/catalog-info.yaml',
      },
    },
  };
  checkEnvelope(entity);
  entity = await policies.enforce(entity);
  checkEntity(entity);
  let recognised = false;
  for (const validator of kindValidators) {
    if (await validator.check(entity)) recognised = true;
  }
  if (!recognised) {
    throw new Error('No processor recognized the entity, possibly caused by a foreign kind or apiVersion');
  }
  const namespace = entity.metadata.namespace || 'default';
  for (const [field, defaultKind] of Object.entries(refFields[entity.kind] || {})) {
    const targets = entity.spec[field];
    if (!targets) continue;
    for (const target of [targets].flat()) {
      model.parseEntityRef(target, { defaultKind, defaultNamespace: namespace });
    }
  }
}

async function main() {
  const entities = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  const verdicts = [];
  for (const entity of entities) {
    if (!template && entity && entity.kind === 'Template') {
      verdicts.push({ skip: 'Template needs @backstage/plugin-scaffolder-common' });
      continue;
    }
    try {
      await judge(entity);
      verdicts.push({ valid: true });
    } catch (e) {
      verdicts.push({ valid: false, error: String((e && e.message) || e) });
    }
  }
  process.stdout.write(JSON.stringify(verdicts));
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
