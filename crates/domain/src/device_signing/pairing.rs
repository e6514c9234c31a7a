//! The pairing code: what a joining device and the device that showed the code prove to
//! each other (HMAC-SHA256 keyed by the code), so a platform cannot add a device of its own.

use sha2::{Digest, Sha256};

const PAIRING_CONTEXT: &str = "consentry.pairing.v1";
const RECEIPT_CONTEXT: &str = "consentry.pairing-receipt.v1";

/// HMAC-SHA256 (RFC 2104), hex.
pub(super) fn hmac_hex(key: &[u8], message: &str) -> String {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message.as_bytes())
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    hex::encode(outer)
}

/// What a new device proves with the pairing code an existing device showed: it holds the
/// code, and this is its key. The platform relays the proof; without the code it cannot
/// make one, so it cannot add a device of its own.
pub fn pairing_proof(code: &str, cardholder_id: &str, device_id: &str, public_key: &str) -> String {
    hmac_hex(
        normalized_code(code).as_bytes(),
        &format!("{PAIRING_CONTEXT}\n{cardholder_id}\n{device_id}\n{public_key}\n"),
    )
}

/// What the device that showed a pairing code answers a joining device: it holds the code
/// too, and the chain the joining device is added to starts at `root_device_id` with
/// `root_public_key`. The joining device pins that root only when the receipt checks, so a
/// platform cannot hand it a chain of its own making (it knows neither the code nor a key).
pub fn pairing_receipt(
    code: &str,
    cardholder_id: &str,
    root_device_id: &str,
    root_public_key: &str,
    device_id: &str,
    public_key: &str,
) -> String {
    hmac_hex(
        normalized_code(code).as_bytes(),
        &format!(
            "{RECEIPT_CONTEXT}\n{cardholder_id}\n{root_device_id}\n{root_public_key}\n{device_id}\n{public_key}\n"
        ),
    )
}

/// The code as typed, without separators or case.
fn normalized_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Compares two proofs in constant time.
pub fn proofs_match(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
