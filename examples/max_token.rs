//! Sizes a token buffer for Negotiate the way an HTTP or database client does before its first
//! InitializeSecurityContext call: one query, done once, then reused for every connection.

fn main() -> Result<(), secpkg::Error> {
    let package = std::env::args().nth(1).unwrap_or_else(|| "Negotiate".to_owned());
    let max_token = secpkg::max_token(&package)?;
    let buffer = vec![0u8; max_token as usize];
    println!("{package}: tokens up to {max_token} bytes; buffer of {} bytes ready", buffer.len());
    Ok(())
}
