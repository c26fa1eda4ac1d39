//! Staff accounts as every front creates them (the console's staff page, `POST /api/v1/staff`,
//! `billing staff add`): argon2id passwords (the portal's code path), invitations to set the
//! first password, TOTP second factors (RFC 6238, 6 digits, 30 s, SHA-1: what authenticator
//! apps read from an `otpauth://` URI), each creation in the staff audit log.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use billing_core::ids::TenantId;
use billing_core::service::staff::{self, AuditEntry, NewStaffInput, Staff};
use billing_core::staff::Role;
use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

/// A fresh random token: 32 bytes as 64 lower-case hex digits (as `web::random_token`).
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The digest a token is stored under (as `web::token_hash`).
pub fn token_hash(token: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).to_vec()
}

/// Compares two short secrets in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An invitation link is good for this long.
pub const INVITE_DAYS: i64 = 7;
/// Passwords are at least this long (characters) and at most 1024 bytes.
pub const MIN_PASSWORD: usize = 12;

/// argon2id (the crate's defaults: 19 MiB, 2 passes), off the async threads.
pub async fn hash_password(password: String) -> billing_core::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt_bytes: [u8; 16] = rand::random();
        let salt =
            SaltString::encode_b64(&salt_bytes).map_err(|e| billing_core::Error::invalid("password", e.to_string()))?;
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| billing_core::Error::invalid("password", e.to_string()))
    })
    .await
    .map_err(|e| billing_core::Error::invalid("password", e.to_string()))?
}

/// Checks a password against its PHC string, off the async threads.
pub async fn verify_password(phc: String, password: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc)
            .is_ok_and(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// `Some(message id)` when a new password is not acceptable.
pub fn password_problem(password: &str) -> Option<&'static str> {
    if password.chars().count() < MIN_PASSWORD || password.len() > 1024 {
        Some("console-password-too-short")
    } else {
        None
    }
}

/// A fresh TOTP secret (20 random bytes, as RFC 4226 recommends), base32 without padding.
pub fn new_totp_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    base32_encode(&bytes)
}

fn base32_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for b in bytes {
        buffer = (buffer << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let (mut buffer, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in text.trim_end_matches('=').chars() {
        let v = match c.to_ascii_uppercase() {
            c @ 'A'..='Z' => c as u32 - 'A' as u32,
            c @ '2'..='7' => c as u32 - '2' as u32 + 26,
            _ => return None,
        };
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

fn totp(secret: &str) -> Option<totp_rs::TOTP> {
    let bytes = base32_decode(secret)?;
    totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes).ok()
}

/// The 30-second step a code typed at `now` matches (one step of clock drift either way), if any.
pub fn totp_step(secret: &str, code: &str, now: DateTime<Utc>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret)?;
    let at = u64::try_from(now.timestamp()).ok()?;
    [at.saturating_sub(30), at, at + 30]
        .into_iter()
        .find(|moment| same(&t.generate(*moment), &code))
        .and_then(|moment| i64::try_from(moment / 30).ok())
}

/// The code an authenticator shows at `at` (tests and the demo).
pub fn totp_code(secret: &str, at: DateTime<Utc>) -> Option<String> {
    Some(totp(secret)?.generate(u64::try_from(at.timestamp()).ok()?))
}

/// The `otpauth://` URI an authenticator app reads (as a QR code or typed in).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'@' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// The URI as a QR code in SVG (dark modules on white, with its quiet zone).
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .dark_color(qrcode::render::svg::Color("#000000"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build(),
    )
}

/// A staff member created, with the invitation token when no password was given.
pub struct Added {
    pub staff: Staff,
    pub invite_token: Option<String>,
}

/// Creates a staff member (password or invitation) and audits it as `actor`.
pub async fn add(
    conn: &mut PgConnection,
    tenant: TenantId,
    email: &str,
    role: Role,
    password: Option<String>,
    actor: (&str, Option<uuid::Uuid>),
    now: DateTime<Utc>,
) -> billing_core::Result<Added> {
    let phc = match password {
        Some(p) => {
            if password_problem(&p).is_some() {
                return Err(billing_core::Error::invalid(
                    "password",
                    format!("must be at least {MIN_PASSWORD} characters"),
                ));
            }
            Some(hash_password(p).await?)
        }
        None => None,
    };
    let token = phc.is_none().then(random_token);
    let hash = token.as_deref().map(token_hash);
    let input = NewStaffInput {
        email,
        role,
        password_hash: phc.as_deref(),
        invite: hash.as_deref().map(|h| (h, now + Duration::days(INVITE_DAYS))),
    };
    let created = staff::create(conn, tenant, &input, now).await?;
    staff::audit(
        conn,
        tenant,
        &AuditEntry {
            staff: actor.1,
            actor: actor.0,
            action: "staff.create",
            outcome: "done",
            target: Some(format!("staff:{}", created.email)),
            after: serde_json::to_value(&created).ok(),
            ..AuditEntry::default()
        },
        now,
    )
    .await?;
    Ok(Added { staff: created, invite_token: token })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("MZXW6YTBOI").unwrap(), b"foobar");
        let s = new_totp_secret();
        assert_eq!(s.len(), 32);
        assert_eq!(base32_decode(&s).unwrap().len(), 20);
    }

    #[test]
    fn totp_matches_rfc_6238_and_a_step_is_found_once() {
        // RFC 6238 appendix B, SHA-1, secret "12345678901234567890", T = 59 s: 94287082 (8 digits);
        // the 6-digit code is its last six digits.
        let secret = base32_encode(b"12345678901234567890");
        let at = DateTime::from_timestamp(59, 0).unwrap();
        assert_eq!(totp_code(&secret, at).unwrap(), "287082");
        assert_eq!(totp_step(&secret, "287 082", at), Some(1));
        assert_eq!(totp_step(&secret, "287082", DateTime::from_timestamp(59 + 300, 0).unwrap()), None);
        assert_eq!(totp_step(&secret, "28708", at), None);
        assert!(otpauth_uri("Demo GmbH", "a@b.de", &secret).starts_with("otpauth://totp/Demo%20GmbH:a@b.de?secret="));
        assert!(qr_svg("otpauth://totp/x").unwrap().contains("<svg"));
    }
}
