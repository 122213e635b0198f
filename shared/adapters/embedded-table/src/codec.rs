//! The item after a row's header: a compact binary form of the DynamoDB attribute map.
//!
//! Each value is a tag byte and its contents; strings, numbers (kept as DynamoDB's decimal
//! strings) and binaries are a length (LEB128) and bytes; maps and lists a count and their
//! entries. Decoding it is a walk over the bytes, with none of JSON's escapes, quoting or
//! `{"S": …}` wrappers (JSON parsing was a fifth of the gateway's CPU under load).

use std::collections::HashMap;

use tutorbridge_table::{Item, TableError, Value};

const S: u8 = 1;
const N: u8 = 2;
const B: u8 = 3;
const BOOL_FALSE: u8 = 4;
const BOOL_TRUE: u8 = 5;
const NULL: u8 = 6;
const M: u8 = 7;
const L: u8 = 8;
const SS: u8 = 9;
const NS: u8 = 10;
const BS: u8 = 11;

/// Deepest nesting decoded (DynamoDB allows 32 levels).
const MAX_DEPTH: usize = 64;

pub(crate) fn encode(item: &Item, out: &mut Vec<u8>) {
    let map: &HashMap<String, Value> = item.as_ref();
    encode_map(map, out);
}

fn length(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn bytes(out: &mut Vec<u8>, value: &[u8]) {
    length(out, value.len());
    out.extend_from_slice(value);
}

fn encode_map(map: &HashMap<String, Value>, out: &mut Vec<u8>) {
    length(out, map.len());
    for (name, value) in map {
        bytes(out, name.as_bytes());
        encode_value(value, out);
    }
}

fn encode_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::S(s) => {
            out.push(S);
            bytes(out, s.as_bytes());
        }
        Value::N(n) => {
            out.push(N);
            bytes(out, n.as_bytes());
        }
        Value::B(b) => {
            out.push(B);
            bytes(out, b);
        }
        Value::Bool(false) => out.push(BOOL_FALSE),
        Value::Bool(true) => out.push(BOOL_TRUE),
        Value::Null(_) => out.push(NULL),
        Value::M(map) => {
            out.push(M);
            encode_map(map, out);
        }
        Value::L(list) => {
            out.push(L);
            length(out, list.len());
            for value in list {
                encode_value(value, out);
            }
        }
        Value::Ss(set) | Value::Ns(set) => {
            out.push(if matches!(value, Value::Ss(_)) {
                SS
            } else {
                NS
            });
            length(out, set.len());
            for s in set {
                bytes(out, s.as_bytes());
            }
        }
        Value::Bs(set) => {
            out.push(BS);
            length(out, set.len());
            for b in set {
                bytes(out, b);
            }
        }
    }
}

pub(crate) fn decode(input: &[u8]) -> Result<Item, TableError> {
    let mut reader = Reader(input);
    let mut item = Item::from(HashMap::<String, Value>::new());
    reader.map_into(item.inner_mut(), 0)?;
    if !reader.0.is_empty() {
        return Err(damaged());
    }
    Ok(item)
}

fn damaged() -> TableError {
    TableError::backend("a stored item is damaged")
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, TableError> {
        let (&first, rest) = self.0.split_first().ok_or_else(damaged)?;
        self.0 = rest;
        Ok(first)
    }

    fn length(&mut self) -> Result<usize, TableError> {
        let mut n: usize = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            n |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                // No length can exceed what is left to read.
                return if n <= self.0.len() {
                    Ok(n)
                } else {
                    Err(damaged())
                };
            }
        }
        Err(damaged())
    }

    fn bytes(&mut self) -> Result<&'a [u8], TableError> {
        let n = self.length()?;
        let (head, rest) = self.0.split_at_checked(n).ok_or_else(damaged)?;
        self.0 = rest;
        Ok(head)
    }

    fn string(&mut self) -> Result<String, TableError> {
        std::str::from_utf8(self.bytes()?)
            .map(str::to_string)
            .map_err(|_| damaged())
    }

    fn map_into(
        &mut self,
        map: &mut HashMap<String, Value>,
        depth: usize,
    ) -> Result<(), TableError> {
        let count = self.length()?;
        map.reserve(count);
        for _ in 0..count {
            let name = self.string()?;
            let value = self.value(depth + 1)?;
            map.insert(name, value);
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Value, TableError> {
        if depth > MAX_DEPTH {
            return Err(damaged());
        }
        let tag = self.byte()?;
        Ok(match tag {
            S => Value::S(self.string()?),
            N => Value::N(self.string()?),
            B => Value::B(self.bytes()?.to_vec()),
            BOOL_FALSE => Value::Bool(false),
            BOOL_TRUE => Value::Bool(true),
            NULL => Value::Null(true),
            M => {
                let mut map = HashMap::new();
                self.map_into(&mut map, depth)?;
                Value::M(map)
            }
            L => {
                let count = self.length()?;
                let mut list = Vec::with_capacity(count);
                for _ in 0..count {
                    list.push(self.value(depth + 1)?);
                }
                Value::L(list)
            }
            SS | NS => {
                let count = self.length()?;
                let mut set = Vec::with_capacity(count);
                for _ in 0..count {
                    set.push(self.string()?);
                }
                if tag == SS {
                    Value::Ss(set)
                } else {
                    Value::Ns(set)
                }
            }
            BS => {
                let count = self.length()?;
                let mut set = Vec::with_capacity(count);
                for _ in 0..count {
                    set.push(self.bytes()?.to_vec());
                }
                Value::Bs(set)
            }
            _ => return Err(damaged()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind() -> Item {
        let nested = HashMap::from([
            (
                "deep".to_string(),
                Value::L(vec![Value::M(HashMap::new()), Value::Null(true)]),
            ),
            (
                "é ✓".to_string(),
                Value::S("naïve \"quoted\" \\ line\nbreak".into()),
            ),
        ]);
        Item::from(HashMap::from([
            ("PK".to_string(), Value::S("USER#a".into())),
            ("SK".to_string(), Value::S(String::new())),
            ("n".to_string(), Value::N("-12.5e3".into())),
            ("b".to_string(), Value::B(vec![0, 255, 1])),
            ("yes".to_string(), Value::Bool(true)),
            ("no".to_string(), Value::Bool(false)),
            ("null".to_string(), Value::Null(true)),
            ("m".to_string(), Value::M(nested)),
            ("ss".to_string(), Value::Ss(vec!["x".into(), "y".into()])),
            ("ns".to_string(), Value::Ns(vec!["1".into(), "2.5".into()])),
            ("bs".to_string(), Value::Bs(vec![vec![], vec![7; 300]])),
            ("long".to_string(), Value::S("z".repeat(70_000))),
        ]))
    }

    #[test]
    fn every_kind_of_value_round_trips() {
        let item = every_kind();
        let mut bytes = Vec::new();
        encode(&item, &mut bytes);
        assert_eq!(decode(&bytes).expect("decode"), item);
        // Smaller than the DynamoDB JSON it replaces.
        assert!(bytes.len() < serde_json::to_vec(&item).expect("json").len());
    }

    #[test]
    fn damaged_bytes_are_an_error_never_a_panic_or_a_huge_allocation() {
        let mut bytes = Vec::new();
        encode(&every_kind(), &mut bytes);
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "a cut at {cut} is noticed");
        }
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(decode(&trailing).is_err());
        // A count far beyond the input, an unknown tag, invalid UTF-8, nesting without end.
        assert!(decode(&[0xff, 0xff, 0xff, 0xff, 0x0f]).is_err());
        assert!(decode(&[1, 1, b'a', 99]).is_err());
        assert!(decode(&[1, 1, b'a', S, 1, 0xff]).is_err());
        let mut deep = vec![1, 1, b'a'];
        for _ in 0..100 {
            deep.extend_from_slice(&[L, 1]);
        }
        deep.push(NULL);
        assert!(decode(&deep).is_err());
    }
}
