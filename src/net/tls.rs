//! TLS for the request builder's https:// and wss:// (rustls with the ring provider; the Mozilla
//! roots from webpki-roots, plus any CA the user gives). Certificate verification is on unless
//! the user turns it off, as `curl -k` does.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
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
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions { verify: true, extra_roots_pem: None }
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
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    if !opts.verify {
        config.dangerous().set_certificate_verifier(Arc::new(NoVerify(provider)));
    }
    Ok(Arc::new(config))
}

/// Runs the TLS handshake over `tcp` for `host`, with a message a person can act on when it fails.
pub async fn handshake(tcp: TcpStream, host: &str, opts: &TlsOptions) -> Result<Stream, String> {
    let config = client_config(opts)?;
    let name = pki_types::ServerName::try_from(host.to_string()).map_err(|_| format!("\"{host}\" is not a valid TLS server name"))?;
    let s = tokio_rustls::TlsConnector::from(config).connect(name, tcp).await.map_err(|e| {
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
    })?;
    Ok(Stream::Tls(Box::new(s)))
}
