//! Key logs in the NSS format (SSLKEYLOGFILE): the secrets a TLS endpoint wrote out, by client
//! random. (Issue 13: filled in by the TLS decryption work.)

/// The secrets known for a capture, by the ClientHello's random.
#[derive(Debug, Default, Clone)]
pub struct KeyLog {}
