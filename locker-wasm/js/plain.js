// Constructors for the plain objects verification returns, called once per
// verification from the WebAssembly module (src/plain.rs): cheaper than the
// JSON route other results take. The objects' keys, in order, are the
// core's JSON field names; a Rust test holds them to the core's serializer.

/** A `GrantJson`. */
// A tag without an end gives `expires_at_s` undefined: JSON.stringify
// leaves it out, as the core's JSON does.
export function grant(id_number, id_bigint, channel, purpose, compartments, recipient, carrier, expires_at_s, single_use) {
  const credential_id = integer(id_number, id_bigint);
  compartments = list(compartments);
  return { credential_id, channel, purpose, compartments, recipient, carrier, expires_at_s, single_use };
}

/** A `TokenClaimsJson`. */
export function tokenClaims(version, key_id, signer, id_number, id_bigint, purpose, recipient, compartments, issued_at_s, expires_at_s) {
  const credential_id = integer(id_number, id_bigint);
  compartments = list(compartments);
  return { version, key_id, signer, credential_id, purpose, recipient, compartments, issued_at_s, expires_at_s };
}

/**
 * A 64-bit id as the module passes it: the number when it is exact, else
 * NaN beside the BigInt, whose decimal digits make the id's string.
 */
function integer(number, bigint) {
  return Number.isNaN(number) ? String(bigint) : number;
}

/** A plain array from a typed array: a loop is what V8 does fastest. */
function list(typed) {
  const out = new Array(typed.length);
  for (let i = 0; i < typed.length; i++) out[i] = typed[i];
  return out;
}
