package asyncapi

import "strings"

// channels2 reads 2.x channels, whose publish and subscribe operations sit
// inside them.
func (r *resolver) channels2(o *obj) ([]Channel, []Operation) {
	if o == nil {
		return nil, nil
	}
	var chans []Channel
	var ops []Operation
	for _, k := range o.keys {
		c, _ := r.deref(o.m[k])
		if c == nil {
			continue
		}
		ch := Channel{
			Key: k, Address: k, Description: c.str("description"),
			Parameters: r.parameters(c.obj("parameters")), Servers: strings2(c.list("servers")),
			Bindings: r.bindings(c.get("bindings")),
		}
		chans = append(chans, ch)
		for _, action := range []string{"publish", "subscribe"} {
			op, _ := r.deref(c.get(action))
			if op == nil {
				continue
			}
			op = r.mergeTraits(op)
			key := op.str("operationId")
			if key == "" {
				key = action + " " + k
			}
			ops = append(ops, Operation{
				Key: key, Action: action, Channel: k, Address: k,
				Summary: op.str("summary"), Description: op.str("description"),
				Security: r.securityNames(op.list("security")),
				Messages: r.messages(op.get("message"), ""), Bindings: r.bindings(op.get("bindings")),
			})
		}
	}
	return chans, ops
}

func (r *resolver) channels3(o *obj) []Channel {
	if o == nil {
		return nil
	}
	var out []Channel
	for _, k := range o.keys {
		c, _ := r.deref(o.m[k])
		if c == nil {
			continue
		}
		ch := Channel{
			Key: k, Address: c.str("address"), Title: c.str("title"), Summary: c.str("summary"),
			Description: c.str("description"), Parameters: r.parameters(c.obj("parameters")),
			Bindings: r.bindings(c.get("bindings")),
		}
		for _, s := range c.list("servers") {
			if so, _ := s.(*obj); so != nil && so.str("$ref") != "" {
				ch.Servers = append(ch.Servers, lastSegment(so.str("$ref")))
			}
		}
		if msgs := c.obj("messages"); msgs != nil {
			for _, mk := range msgs.keys {
				ch.Messages = append(ch.Messages, r.messages(msgs.m[mk], mk)...)
			}
		}
		out = append(out, ch)
	}
	return out
}

func (r *resolver) operations3(o, channels *obj) []Operation {
	if o == nil {
		return nil
	}
	var out []Operation
	for _, k := range o.keys {
		op, _ := r.deref(o.m[k])
		if op == nil {
			continue
		}
		op = r.mergeTraits(op)
		res := Operation{
			Key: k, Action: op.str("action"), Title: op.str("title"), Summary: op.str("summary"),
			Description: op.str("description"), Security: r.securityNames(op.list("security")),
			Bindings: r.bindings(op.get("bindings")),
		}
		ch, ref := r.deref(op.get("channel"))
		res.Channel, res.Address = channelKey(ref, channels), ch.str("address")
		for _, m := range op.list("messages") {
			res.Messages = append(res.Messages, r.messages(m, "")...)
		}
		if len(op.list("messages")) == 0 && ch != nil {
			// No messages listed: the operation carries all of its channel's.
			if msgs := ch.obj("messages"); msgs != nil {
				for _, mk := range msgs.keys {
					res.Messages = append(res.Messages, r.messages(msgs.m[mk], mk)...)
				}
			}
		}
		if reply, _ := r.deref(op.get("reply")); reply != nil {
			if addr, _ := r.deref(reply.get("address")); addr != nil {
				res.ReplyAddress = addr.str("location")
			}
			if rc, _ := r.deref(reply.get("channel")); rc != nil && res.ReplyAddress == "" {
				res.ReplyAddress = rc.str("address")
			}
			for _, m := range reply.list("messages") {
				res.ReplyMessages = append(res.ReplyMessages, r.messages(m, "")...)
			}
		}
		out = append(out, res)
	}
	return out
}

// channelKey is the key of the channel a "#/channels/<key>" $ref names.
func channelKey(ref string, channels *obj) string {
	const prefix = "#/channels/"
	if !strings.HasPrefix(ref, prefix) || strings.Contains(ref[len(prefix):], "/") {
		return lastSegment(ref)
	}
	key := unescapePointer(ref[len(prefix):])
	if channels.get(key) == nil {
		return ""
	}
	return key
}
