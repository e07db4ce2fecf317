//! TLS on rustls with the ring provider. Clients (the request builder's and the lab's https:// and
//! wss://): the Mozilla roots from webpki-roots plus any CA the user gives; certificate verification
//! is on unless the user turns it off, as `curl -k` does. Servers (the lab's): a certificate for
//! localhost and 127.0.0.1 generated at run time with rcgen. Both can log their TLS secrets
//! ([`KeyLines`], NSS key-log format) so that a recording of their traffic can be decrypted.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::rustls::{self, client::danger, pki_types};

#[derive(Debug, Clone)]
pub struct TlsOptions {
    /// Check the server's certificate chain and name (on by default).
    pub verify: bool,
    /// More trusted roots, as PEM (a private CA, a test CA).
    pub extra_roots_pem: Option<Vec<u8>>,
    /// The ALPN protocols offered, most wanted first (empty: `http/1.1`).
    pub alpn: Vec<Vec<u8>>,
    /// Where the connection's TLS secrets are logged (none: not logged).
    pub key_log: Option<Arc<KeyLines>>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions { verify: true, extra_roots_pem: None, alpn: Vec::new(), key_log: None }
    }
}

/// The most key-log lines a [`KeyLines`] keeps (a TLS 1.3 connection logs five).
pub const MAX_KEY_LINES: usize = 100_000;

/// TLS secrets as NSS key-log lines (`LABEL <client random hex> <secret hex>`, the SSLKEYLOGFILE
/// format curl, browsers and Wireshark use), collected from rustls as connections are made. A
/// recorder takes the lines logged since it last asked and embeds them in the capture.
#[derive(Debug, Default)]
pub struct KeyLines {
    lines: Mutex<(Vec<String>, usize)>,
}

impl KeyLines {
    pub fn new() -> Arc<KeyLines> {
        Arc::new(KeyLines::default())
    }

    /// Every line logged so far.
    pub fn all(&self) -> Vec<String> {
        self.lines.lock().map(|l| l.0.clone()).unwrap_or_default()
    }

    /// The lines logged since the last call, one per line, or None when there are none.
    pub fn take_new(&self) -> Option<String> {
        let mut l = self.lines.lock().ok()?;
        let (lines, taken) = &mut *l;
        if *taken >= lines.len() {
            return None;
        }
        let text = lines[*taken..].join("\n");
        *taken = lines.len();
        Some(text)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl rustls::KeyLog for KeyLines {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        if let Ok(mut l) = self.lines.lock() {
            if l.0.len() < MAX_KEY_LINES {
                l.0.push(format!("{label} {} {}", hex(client_random), hex(secret)));
            }
        }
    }
}

/// A server certificate for `localhost` and `127.0.0.1`, made at run time (self-signed, P-256):
/// the lab's clients trust exactly this certificate.
pub struct ServerCert {
    pub cert: pki_types::CertificateDer<'static>,
    key: pki_types::PrivatePkcs8KeyDer<'static>,
}

impl ServerCert {
    pub fn generate() -> Result<ServerCert, String> {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .map_err(|e| format!("cannot make the lab certificate: {e}"))?;
        params.distinguished_name.push(rcgen::DnType::CommonName, "wirescope lab (localhost)");
        let key = rcgen::KeyPair::generate().map_err(|e| format!("cannot make the lab key: {e}"))?;
        let cert = params.self_signed(&key).map_err(|e| format!("cannot sign the lab certificate: {e}"))?;
        Ok(ServerCert { cert: cert.der().clone(), key: pki_types::PrivatePkcs8KeyDer::from(key.serialize_der()) })
    }

    /// The certificate as PEM (what a client is told to trust, `--cacert`).
    pub fn pem(&self) -> String {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(self.cert.as_ref());
        let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in b64.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(line));
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
        out
    }

    /// A server configuration with this certificate, offering `alpn` (most wanted first) and
    /// logging every connection's secrets to `keys`.
    pub fn server_config(&self, alpn: &[&[u8]], keys: Option<Arc<KeyLines>>) -> Result<Arc<rustls::ServerConfig>, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS setup failed: {e}"))?
            .with_no_client_auth()
            .with_single_cert(vec![self.cert.clone()], pki_types::PrivateKeyDer::Pkcs8(self.key.clone_key()))
            .map_err(|e| format!("the lab certificate is not usable: {e}"))?;
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        // No session tickets after the handshake: what follows it on the wire is the application's.
        config.send_tls13_tickets = 0;
        if let Some(k) = keys {
            config.key_log = k;
        }
        Ok(Arc::new(config))
    }
}

/// A connection, plain or inside TLS.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl Stream {
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_ref().0,
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Accepts any certificate (the user turned verification off); signatures are still checked.
#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl danger::ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &pki_types::CertificateDer<'_>,
        _intermediates: &[pki_types::CertificateDer<'_>],
        _server_name: &pki_types::ServerName<'_>,
        _ocsp: &[u8],
        _now: pki_types::UnixTime,
    ) -> Result<danger::ServerCertVerified, rustls::Error> {
        Ok(danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

pub fn client_config(opts: &TlsOptions) -> Result<Arc<rustls::ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(pem) = &opts.extra_roots_pem {
        use pki_types::pem::PemObject;
        let mut n = 0;
        for c in pki_types::CertificateDer::pem_slice_iter(pem) {
            let c = c.map_err(|e| format!("cannot read the CA certificate: {e}"))?;
            roots.add(c).map_err(|e| format!("cannot use the CA certificate: {e}"))?;
            n += 1;
        }
        if n == 0 {
            return Err("the CA file holds no PEM certificate".into());
        }
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = if opts.alpn.is_empty() { vec![b"http/1.1".to_vec()] } else { opts.alpn.clone() };
    if let Some(k) = &opts.key_log {
        config.key_log = k.clone();
    }
    if !opts.verify {
        config.dangerous().set_certificate_verifier(Arc::new(NoVerify(provider)));
    }
    Ok(Arc::new(config))
}

/// Runs the TLS handshake over `tcp` for `host`, with a message a person can act on when it fails.
pub async fn handshake(tcp: TcpStream, host: &str, opts: &TlsOptions) -> Result<Stream, String> {
    Ok(Stream::Tls(Box::new(handshake_over(tcp, host, opts).await?)))
}

/// The same over any byte stream (a counted TCP stream, for instance).
pub async fn handshake_over<S: AsyncRead + AsyncWrite + Unpin>(
    io: S,
    host: &str,
    opts: &TlsOptions,
) -> Result<tokio_rustls::client::TlsStream<S>, String> {
    let config = client_config(opts)?;
    let name = pki_types::ServerName::try_from(host.to_string()).map_err(|_| format!("\"{host}\" is not a valid TLS server name"))?;
    tokio_rustls::TlsConnector::from(config).connect(name, io).await.map_err(|e| {
        let text = e.to_string();
        if text.contains("UnknownIssuer") {
            format!("TLS: the certificate of {host} is not signed by a trusted authority ({text}); give its CA, or turn verification off")
        } else if text.contains("NotValidForName") {
            format!("TLS: the certificate is not for {host} ({text})")
        } else if text.contains("Expired") {
            format!("TLS: the certificate of {host} has expired ({text})")
        } else {
            format!("TLS handshake with {host} failed: {text}")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::KeyLog as _;

    #[test]
    fn key_lines_are_nss_lines_handed_out_once() {
        let k = KeyLines::new();
        assert_eq!(k.take_new(), None);
        k.log("CLIENT_TRAFFIC_SECRET_0", &[0xab; 32], &[0x01, 0xff]);
        k.log("SERVER_TRAFFIC_SECRET_0", &[0xab; 32], &[0x02]);
        let want = format!("CLIENT_TRAFFIC_SECRET_0 {} 01ff\nSERVER_TRAFFIC_SECRET_0 {} 02", "ab".repeat(32), "ab".repeat(32));
        assert_eq!(k.take_new().as_deref(), Some(want.as_str()));
        assert_eq!(k.take_new(), None, "only lines logged since the last take");
        k.log("EXPORTER_SECRET", &[0; 32], &[3]);
        assert_eq!(k.take_new().unwrap(), format!("EXPORTER_SECRET {} 03", "00".repeat(32)));
        assert_eq!(k.all().len(), 3);
    }

    #[test]
    fn the_generated_certificate_is_trusted_by_a_client_given_its_pem() {
        let cert = ServerCert::generate().unwrap();
        assert!(cert.server_config(&[b"h2"], None).is_ok());
        let opts = TlsOptions { extra_roots_pem: Some(cert.pem().into_bytes()), ..TlsOptions::default() };
        assert!(client_config(&opts).is_ok());
    }
}
