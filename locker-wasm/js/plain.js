// Constructors for the plain objects verification returns, called once per
// verification from the WebAssembly module (src/plain.rs): cheaper than the
// JSON route other results take. Keys and their order are the core's JSON
// field names, as the parameters are named; a Rust test holds them to the
// core's serializer.

/** A `GrantJson`. */
export function grant(credential_id, channel, purpose, compartments, recipient, carrier, expires_at_s, single_use) {
  compartments = list(compartments);
  return { credential_id, channel, purpose, compartments, recipient, carrier, expires_at_s, single_use };
}

/** A `TokenClaimsJson`. */
export function tokenClaims(version, key_id, credential_id, purpose, compartments, expires_at_s) {
  compartments = list(compartments);
  return { version, key_id, credential_id, purpose, compartments, expires_at_s };
}

/** A plain array from a typed array: a loop is what V8 does fastest. */
function list(typed) {
  const out = new Array(typed.length);
  for (let i = 0; i < typed.length; i++) out[i] = typed[i];
  return out;
}
