//! C2SP signed notes (c2sp.org/signed-note) and their keys: Ed25519 note keys
//! (signature type 0x01) for a log's checkpoints, and Ed25519 cosignature
//! keys (type 0x04, c2sp.org/tlog-cosignature) for witnesses.
//!
//! Parsing, signing and verifying notes, and type-0x01 keys, are done by the
//! `signed_note` crate (a port of Go's `sumdb/note`); this module adds the
//! cosignature key type through that crate's `Signer`/`Verifier` traits,
//! reads keys given as files or text with messages that say what is wrong
//! with them, and generates keys from the operating system's randomness.
//! The curve is `ed25519-dalek`'s.
//!
//! Key text formats (C2SP signed-note, "Verifier keys"):
//!
//! - verifier key: `NAME+KEYID+BASE64(type ‖ 32-byte public key)`;
//! - signer key: `PRIVATE+KEY+NAME+KEYID+BASE64(type ‖ 32-byte seed)` (Go's
//!   `sumdb/note` encoding; not part of the C2SP text);
//! - KEYID: 8 lowercase hex digits, the first 4 bytes of
//!   SHA-256(NAME ‖ 0x0A ‖ type ‖ public key).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Signature type of Ed25519 note signatures.
pub const TYPE_ED25519: u8 = 0x01;
/// Signature type of timestamped Ed25519 checkpoint cosignatures.
pub const TYPE_COSIGNATURE: u8 = 0x04;

/// What a key signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// An Ed25519 note signature over the note text (0x01): a log's key.
    Ed25519,
    /// A timestamped Ed25519 cosignature/v1 (0x04): a witness's key.
    Cosignature,
}

impl KeyKind {
    pub fn type_byte(self) -> u8 {
        match self {
            KeyKind::Ed25519 => TYPE_ED25519,
            KeyKind::Cosignature => TYPE_COSIGNATURE,
        }
    }

    fn from_type(t: u8) -> Option<KeyKind> {
        match t {
            TYPE_ED25519 => Some(KeyKind::Ed25519),
            TYPE_COSIGNATURE => Some(KeyKind::Cosignature),
            _ => None,
        }
    }

    /// For messages: "note key" or "witness (cosignature) key".
    pub fn describe(self) -> &'static str {
        match self {
            KeyKind::Ed25519 => "an Ed25519 note key (type 0x01)",
            KeyKind::Cosignature => "a witness cosignature key (type 0x04)",
        }
    }
}

/// Whether `name` may name a key: non-empty, no Unicode white space, no `+`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains('+')
        && !name.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The key ID of a key: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ type ‖ key).
pub fn key_id(name: &str, kind: KeyKind, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', kind.type_byte()]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// A public key that verifies note signatures or cosignatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    pub name: String,
    pub id: u32,
    pub kind: KeyKind,
    pub public: [u8; 32],
}

impl VerifierKey {
    /// Parses `NAME+KEYID+BASE64`, checking that KEYID is the key's ID.
    pub fn parse(text: &str) -> Result<VerifierKey, String> {
        let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
        // Base64 may itself contain `+`: the key material is the rest.
        let parts: Vec<&str> = text.splitn(3, '+').collect();
        let [name, id_hex, b64] = parts[..] else {
            return Err(if text.starts_with("PRIVATE+KEY+") {
                "this is a signer (private) key; a verifier key is wanted here".into()
            } else {
                "not a verifier key: expected NAME+KEYID+BASE64 (three parts separated by `+`)"
                    .into()
            });
        };
        if name == "PRIVATE" && id_hex == "KEY" {
            return Err("this is a signer (private) key; a verifier key is wanted here".into());
        }
        let (kind, public, id) = key_material(name, id_hex, b64)?;
        let vk = VerifierKey {
            name: name.to_string(),
            id,
            kind,
            public,
        };
        let want = key_id(name, kind, &public);
        if want != id {
            return Err(format!(
                "the key ID {id_hex} does not match the key: for this name and public key it is {want:08x}"
            ));
        }
        if VerifyingKey::from_bytes(&public).is_err() {
            return Err("the public key is not a valid Ed25519 point".into());
        }
        Ok(vk)
    }

    /// `NAME+KEYID+BASE64`.
    pub fn text(&self) -> String {
        let mut material = vec![self.kind.type_byte()];
        material.extend_from_slice(&self.public);
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.id,
            STANDARD.encode(material)
        )
    }

    /// The verifier the `signed_note` crate checks signatures with.
    pub fn note_verifier(&self) -> Box<dyn signed_note::Verifier> {
        match self.kind {
            // Parsing the text again cannot fail: it was built from a key
            // that parsed. Should it, the cosignature-style fallback below
            // never verifies a type-0x01 signature, so nothing is accepted.
            KeyKind::Ed25519 => match signed_note::StandardVerifier::new(&self.text()) {
                Ok(v) => Box::new(v),
                Err(_) => Box::new(NeverVerifies(self.name.clone(), self.id)),
            },
            KeyKind::Cosignature => Box::new(CosignatureVerifier(self.clone())),
        }
    }
}

/// Splits and checks the common parts of a key: name, 8-hex-digit ID and
/// base64 of type ‖ 32 bytes.
fn key_material(name: &str, id_hex: &str, b64: &str) -> Result<(KeyKind, [u8; 32], u32), String> {
    if !valid_name(name) {
        return Err(format!(
            "`{name}` is not a key name: a name is not empty and has no spaces and no `+`"
        ));
    }
    if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("`{id_hex}` is not a key ID: expected 8 hex digits"));
    }
    let id = u32::from_str_radix(id_hex, 16).map_err(|e| e.to_string())?;
    let bytes = STANDARD
        .decode(b64)
        .map_err(|_| "the key material is not valid base64".to_string())?;
    let Some((&t, rest)) = bytes.split_first() else {
        return Err("the key material is empty".into());
    };
    let kind = KeyKind::from_type(t).ok_or_else(|| {
        format!("unsupported key type 0x{t:02x}: only Ed25519 (0x01) and Ed25519 cosignature (0x04) keys are supported")
    })?;
    let key: [u8; 32] = rest
        .try_into()
        .map_err(|_| format!("the key is {} bytes, not 32", rest.len()))?;
    Ok((kind, key, id))
}

/// A private key that signs notes (type 0x01) or cosignatures (type 0x04).
pub struct SignerKey {
    pub name: String,
    pub id: u32,
    pub kind: KeyKind,
    key: SigningKey,
}

impl std::fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SignerKey({}+{:08x}, {:?})",
            self.name, self.id, self.kind
        )
    }
}

impl SignerKey {
    /// Parses `PRIVATE+KEY+NAME+KEYID+BASE64`, checking that KEYID is the ID
    /// of the public key the seed gives.
    pub fn parse(text: &str) -> Result<SignerKey, String> {
        let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
        let Some(rest) = text.strip_prefix("PRIVATE+KEY+") else {
            return Err(
                "not a signer key: expected PRIVATE+KEY+NAME+KEYID+BASE64 (as `ledger keygen` writes)"
                    .into(),
            );
        };
        let parts: Vec<&str> = rest.splitn(3, '+').collect();
        let [name, id_hex, b64] = parts[..] else {
            return Err("not a signer key: expected PRIVATE+KEY+NAME+KEYID+BASE64".into());
        };
        let (kind, seed, id) = key_material(name, id_hex, b64)?;
        let key = SigningKey::from_bytes(&seed);
        let want = key_id(name, kind, &key.verifying_key().to_bytes());
        if want != id {
            return Err(format!(
                "the key ID {id_hex} does not match the key: for this name and key it is {want:08x}"
            ));
        }
        Ok(SignerKey {
            name: name.to_string(),
            id,
            kind,
            key,
        })
    }

    /// A new key for `name` from 32 random bytes of the operating system.
    pub fn generate(name: &str, kind: KeyKind) -> std::io::Result<SignerKey> {
        let seed = crate::fsio::random_bytes::<32>()?;
        Ok(SignerKey::from_seed(name, kind, seed))
    }

    /// The key with this seed (deterministic: for tests and known keys).
    pub fn from_seed(name: &str, kind: KeyKind, seed: [u8; 32]) -> SignerKey {
        let key = SigningKey::from_bytes(&seed);
        let id = key_id(name, kind, &key.verifying_key().to_bytes());
        SignerKey {
            name: name.to_string(),
            id,
            kind,
            key,
        }
    }

    /// `PRIVATE+KEY+NAME+KEYID+BASE64`.
    pub fn text(&self) -> String {
        let mut material = vec![self.kind.type_byte()];
        material.extend_from_slice(&self.key.to_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.id,
            STANDARD.encode(material)
        )
    }

    /// The matching verifier key.
    pub fn verifier(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            id: self.id,
            kind: self.kind,
            public: self.key.verifying_key().to_bytes(),
        }
    }

    /// The signature line (`— NAME BASE64\n`) of this key over note `text`:
    /// an Ed25519 signature of the text, or, for a cosignature key, a
    /// cosignature/v1 with timestamp `time`.
    pub fn signature_line(&self, text: &[u8], time: u64) -> Result<String, String> {
        let sig = match self.kind {
            KeyKind::Ed25519 => {
                let signer = signed_note::StandardSigner::new(&self.text())
                    .map_err(|e| format!("signer key: {e}"))?;
                let mut note =
                    signed_note::Note::new(text, &[]).map_err(|e| format!("note text: {e}"))?;
                note.add_sigs(&[&signer])
                    .map_err(|e| format!("signing: {e}"))?;
                let bytes = note.to_bytes();
                // The note is the text, a blank line and the signature line.
                let line = &bytes[text.len() + 1..];
                return String::from_utf8(line.to_vec()).map_err(|e| e.to_string());
            }
            KeyKind::Cosignature => {
                let mut sig = Vec::with_capacity(4 + 8 + 64);
                sig.extend_from_slice(&self.id.to_be_bytes());
                sig.extend_from_slice(&time.to_be_bytes());
                sig.extend_from_slice(&self.key.sign(&cosigned_message(time, text)).to_bytes());
                sig
            }
        };
        Ok(format!("— {} {}\n", self.name, STANDARD.encode(sig)))
    }
}

/// The message a cosignature/v1 signs (c2sp.org/tlog-cosignature): the
/// lines `cosignature/v1` and `time T`, then the checkpoint's note text.
pub fn cosigned_message(time: u64, text: &[u8]) -> Vec<u8> {
    let mut m = format!("cosignature/v1\ntime {time}\n").into_bytes();
    m.extend_from_slice(text);
    m
}

/// Verifies cosignatures of one witness key for the `signed_note` crate:
/// the signature is an 8-byte big-endian timestamp and an Ed25519 signature
/// of [`cosigned_message`].
struct CosignatureVerifier(VerifierKey);

impl signed_note::Verifier for CosignatureVerifier {
    fn name(&self) -> &str {
        &self.0.name
    }
    fn key_id(&self) -> u32 {
        self.0.id
    }
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        if sig.len() != 8 + 64 {
            return false;
        }
        let (t, s) = sig.split_at(8);
        let time = u64::from_be_bytes(t.try_into().unwrap_or([0xff; 8]));
        if time > i64::MAX as u64 {
            return false;
        }
        let Ok(key) = VerifyingKey::from_bytes(&self.0.public) else {
            return false;
        };
        let Ok(sig) = ed25519_dalek::Signature::from_slice(s) else {
            return false;
        };
        key.verify(&cosigned_message(time, msg), &sig).is_ok()
    }
}

struct NeverVerifies(String, u32);

impl signed_note::Verifier for NeverVerifies {
    fn name(&self) -> &str {
        &self.0
    }
    fn key_id(&self) -> u32 {
        self.1
    }
    fn verify(&self, _: &[u8], _: &[u8]) -> bool {
        false
    }
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureLine {
    pub name: String,
    pub id: u32,
    /// The signature bytes after the key ID.
    pub signature: Vec<u8>,
}

impl SignatureLine {
    /// The cosignature timestamp, when this is a cosignature (8 + 64 bytes).
    pub fn timestamp(&self) -> Option<u64> {
        (self.signature.len() == 72)
            .then(|| u64::from_be_bytes(self.signature[..8].try_into().unwrap_or([0; 8])))
    }
}

/// A note whose signatures were checked against a set of keys.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The note text (ending in a newline, without the blank line).
    pub text: String,
    /// Signatures by given keys that verified, each with its key.
    pub verified: Vec<(SignatureLine, VerifierKey)>,
    /// Signatures by keys not given (ignored, as the spec requires).
    pub unknown: Vec<SignatureLine>,
    /// Every signature line, in order.
    pub lines: Vec<SignatureLine>,
}

/// Why a note was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteError {
    /// Not a signed note at all (with the reason).
    Malformed(String),
    /// A signature by a given key does not verify (the note text or the
    /// signature was changed).
    BadSignature(String),
    /// No signature by any given key.
    NoKnownSignature(Vec<SignatureLine>),
}

impl std::fmt::Display for NoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoteError::Malformed(m) => write!(f, "not a signed note: {m}"),
            NoteError::BadSignature(k) => write!(
                f,
                "the signature by {k} does not verify: the note was changed after it was signed, or the signature is damaged"
            ),
            NoteError::NoKnownSignature(lines) if lines.is_empty() => {
                f.write_str("the note has no signatures")
            }
            NoteError::NoKnownSignature(lines) => {
                let names: Vec<String> = lines
                    .iter()
                    .map(|l| format!("{}+{:08x}", l.name, l.id))
                    .collect();
                write!(
                    f,
                    "no signature by a given key: the note is signed by {}",
                    names.join(", ")
                )
            }
        }
    }
}

/// Parses the signature lines of a note (for messages and cosignature
/// timestamps), saying what is wrong when it is not a signed note. The rules
/// are c2sp.org/signed-note's: UTF-8, no control characters but LF, a text
/// ending in LF, a blank line, then lines `— NAME BASE64` each ending in LF.
pub fn split(bytes: &[u8]) -> Result<(String, Vec<SignatureLine>), NoteError> {
    let bad = |m: String| NoteError::Malformed(m);
    let s = std::str::from_utf8(bytes)
        .map_err(|e| bad(format!("not UTF-8 (at byte {})", e.valid_up_to() + 1)))?;
    if let Some((i, c)) = s.char_indices().find(|&(_, c)| c < ' ' && c != '\n') {
        let line = s[..i].matches('\n').count() + 1;
        return Err(bad(format!(
            "line {line} has the control character U+{:04X} (a note has no CR, tab or other control characters)",
            c as u32
        )));
    }
    let Some(body) = s.strip_suffix('\n') else {
        return Err(bad("it does not end in a newline".into()));
    };
    let Some((text, sigs)) = body.rsplit_once("\n\n") else {
        return Err(bad(
            "no blank line separates the text from the signature lines".into(),
        ));
    };
    let text_lines = text.matches('\n').count() + 2;
    let mut lines = Vec::new();
    for (i, l) in sigs.split('\n').enumerate() {
        let at = text_lines + 1 + i;
        let rest = l.strip_prefix("— ").ok_or_else(|| {
            bad(format!(
                "line {at} is not a signature line (`— NAME BASE64`)"
            ))
        })?;
        let (name, b64) = rest.split_once(' ').ok_or_else(|| {
            bad(format!(
                "line {at}: no space between key name and signature"
            ))
        })?;
        if !valid_name(name) {
            return Err(bad(format!("line {at}: `{name}` is not a key name")));
        }
        let raw = STANDARD
            .decode(b64)
            .map_err(|_| bad(format!("line {at}: the signature is not valid base64")))?;
        if raw.len() < 5 {
            return Err(bad(format!("line {at}: the signature is too short")));
        }
        lines.push(SignatureLine {
            name: name.to_string(),
            id: u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]),
            signature: raw[4..].to_vec(),
        });
    }
    Ok((format!("{text}\n"), lines))
}

/// Opens a signed note with `keys`: at least one signature by a given key
/// must verify, any signature by a given key that does not verify rejects
/// the note, and signatures by other keys are ignored (c2sp.org/signed-note,
/// "Signatures").
pub fn open(bytes: &[u8], keys: &[VerifierKey]) -> Result<Opened, NoteError> {
    let (text, lines) = split(bytes)?;
    // The same key given twice would make the list ambiguous.
    let mut distinct: Vec<&VerifierKey> = Vec::new();
    for k in keys {
        if !distinct.iter().any(|d| d.name == k.name && d.id == k.id) {
            distinct.push(k);
        }
    }
    let list = signed_note::VerifierList::new(distinct.iter().map(|k| k.note_verifier()).collect());
    let note =
        signed_note::Note::from_bytes(bytes).map_err(|e| NoteError::Malformed(e.to_string()))?;
    let (verified, unverified) = match note.verify(&list) {
        Ok(v) => v,
        Err(signed_note::NoteError::InvalidSignature { name, id }) => {
            return Err(NoteError::BadSignature(format!("{name}+{id:08x}")));
        }
        Err(signed_note::NoteError::UnverifiedNote) => {
            return Err(NoteError::NoKnownSignature(lines));
        }
        Err(e) => return Err(NoteError::Malformed(e.to_string())),
    };
    let find_line = |name: &str, id: u32, sig: &[u8]| {
        lines
            .iter()
            .find(|l| l.name == name && l.id == id && l.signature == sig)
            .cloned()
            .unwrap_or(SignatureLine {
                name: name.to_string(),
                id,
                signature: sig.to_vec(),
            })
    };
    let verified = verified
        .iter()
        .filter_map(|s| {
            let key = distinct
                .iter()
                .find(|k| k.name == s.name() && k.id == s.id())?;
            Some((find_line(s.name(), s.id(), s.signature()), (*key).clone()))
        })
        .collect();
    let unknown = unverified
        .iter()
        .map(|s| find_line(s.name(), s.id(), s.signature()))
        .collect();
    Ok(Opened {
        text,
        verified,
        unknown,
        lines,
    })
}

/// [`read_verifier`] for each `--key` of a command, in order.
pub fn read_verifiers(args: &[String]) -> crate::error::Result<Vec<VerifierKey>> {
    args.iter().map(|a| read_verifier(a)).collect()
}

/// The origin a log's checkpoints must carry: the one given, else the name of
/// the first verifier key (a log's key is conventionally named for its origin).
pub fn origin_or_first_key(origin: Option<&str>, keys: &[VerifierKey]) -> Option<String> {
    origin
        .map(str::to_string)
        .or_else(|| keys.first().map(|k| k.name.clone()))
}

/// Reads a verifier key given as a file holding it or as the key text.
pub fn read_verifier(arg: &str) -> crate::error::Result<VerifierKey> {
    let path = Path::new(arg);
    let (text, from_file) = if path.is_file() {
        let t =
            std::fs::read_to_string(path).map_err(|e| crate::error::Error::io(path, "read", e))?;
        (t, true)
    } else {
        (arg.to_string(), false)
    };
    VerifierKey::parse(&text).map_err(|m| {
        let what = if from_file {
            format!("{}: {m}", path.display())
        } else if arg.matches('+').count() >= 2 {
            format!("verifier key `{arg}`: {m}")
        } else {
            format!("`{arg}` is neither a file nor a verifier key")
        };
        crate::error::Error::usage(
            what,
            Some(
                "give the file `ledger keygen` wrote (NAME.pub) or the key text NAME+KEYID+BASE64"
                    .into(),
            ),
        )
    })
}

/// Reads a signer key from a file.
pub fn read_signer(path: &Path) -> crate::error::Result<SignerKey> {
    let text =
        std::fs::read_to_string(path).map_err(|e| crate::error::Error::io(path, "read", e))?;
    SignerKey::parse(&text).map_err(|m| {
        crate::error::Error::usage(
            format!("{}: {m}", path.display()),
            Some("give the signer key file `ledger keygen` wrote (NAME.key)".into()),
        )
    })
}

/// The file names `keygen` uses for a key name: the name with every character
/// other than ASCII letters, digits, `.`, `_` and `-` replaced by `_`, plus
/// `.key` (signer) and `.pub` (verifier).
pub fn key_files(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        dir.join(format!("{stem}.key")),
        dir.join(format!("{stem}.pub")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // Go's sumdb/note test vector (golang.org/x/mod, sumdb/note/note_test.go,
    // TestSign and TestOpen), also in c2sp signed-note's ecosystem docs.
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const ENOCH_SIG: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    #[test]
    fn go_sumdb_note_vector_signs_and_verifies() {
        let s = SignerKey::parse(PETER_SKEY).unwrap();
        assert_eq!(s.verifier().text(), PETER_VKEY);
        assert_eq!(s.text(), PETER_SKEY);
        assert_eq!(s.signature_line(TEXT.as_bytes(), 0).unwrap(), PETER_SIG);
        let msg = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
        let peter = VerifierKey::parse(PETER_VKEY).unwrap();
        let o = open(msg.as_bytes(), std::slice::from_ref(&peter)).unwrap();
        assert_eq!(o.text, TEXT);
        assert_eq!(o.verified.len(), 1);
        assert_eq!(o.unknown.len(), 1);
        assert_eq!(o.unknown[0].name, "EnochRoot");
        let both = [peter.clone(), VerifierKey::parse(ENOCH_VKEY).unwrap()];
        assert_eq!(open(msg.as_bytes(), &both).unwrap().verified.len(), 2);
        // Given twice: not ambiguous.
        assert!(open(msg.as_bytes(), &[peter.clone(), peter.clone()]).is_ok());
    }

    #[test]
    fn tampered_text_and_unknown_keys_are_refused() {
        let peter = VerifierKey::parse(PETER_VKEY).unwrap();
        let changed = format!("{}\n{PETER_SIG}", TEXT.replace("answer", "Answer"));
        assert!(matches!(
            open(changed.as_bytes(), std::slice::from_ref(&peter)),
            Err(NoteError::BadSignature(_))
        ));
        let enoch = VerifierKey::parse(ENOCH_VKEY).unwrap();
        let msg = format!("{TEXT}\n{PETER_SIG}");
        assert!(matches!(
            open(msg.as_bytes(), &[enoch]),
            Err(NoteError::NoKnownSignature(_))
        ));
    }

    /// c2sp.org/signed-note's own example (section "Verifier keys").
    #[test]
    fn c2sp_example_verifies() {
        let k = VerifierKey::parse(
            "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        )
        .unwrap();
        let msg = "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
        assert!(open(msg.as_bytes(), &[k]).is_ok());
    }

    #[test]
    fn wrong_key_ids_are_refused_when_reading_keys() {
        let bad = PETER_VKEY.replace("c74f20a3", "c74f20a4");
        let e = VerifierKey::parse(&bad).unwrap_err();
        assert!(e.contains("c74f20a3"), "{e}");
        assert!(SignerKey::parse(&PETER_SKEY.replace("c74f20a3", "00000000")).is_err());
        assert!(
            VerifierKey::parse(PETER_SKEY)
                .unwrap_err()
                .contains("signer")
        );
    }

    #[test]
    fn cosignatures_round_trip_and_bind_the_timestamp() {
        let w = SignerKey::from_seed("witness.example/w1", KeyKind::Cosignature, [7; 32]);
        let v = w.verifier();
        assert_eq!(VerifierKey::parse(&v.text()).unwrap(), v);
        // Type 0x04 in the first base64 character.
        assert!(
            v.text().rsplit('+').next().unwrap().starts_with('B'),
            "{}",
            v.text()
        );
        let text = "example.com/log\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
        let line = w.signature_line(text.as_bytes(), 1_700_000_000).unwrap();
        let msg = format!("{text}\n{line}");
        let o = open(msg.as_bytes(), std::slice::from_ref(&v)).unwrap();
        assert_eq!(o.verified[0].0.timestamp(), Some(1_700_000_000));
        // Another timestamp in the line: the signature no longer verifies.
        let (_, lines) = split(msg.as_bytes()).unwrap();
        let mut sig = lines[0].id.to_be_bytes().to_vec();
        sig.extend_from_slice(&1_700_000_001u64.to_be_bytes());
        sig.extend_from_slice(&lines[0].signature[8..]);
        let forged = format!("{text}\n— {} {}\n", v.name, STANDARD.encode(sig));
        assert!(matches!(
            open(forged.as_bytes(), &[v]),
            Err(NoteError::BadSignature(_))
        ));
    }
}
