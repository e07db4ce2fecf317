//! Decoders handing a connection over, through the engine: the sniffer to the TLS layer, which
//! reads the hellos of a real handshake (rustls, run in memory, both ends; what rustls negotiated
//! is the oracle).

use std::sync::Arc;
use tokio_rustls::rustls::{self, pki_types::pem::PemObject, pki_types::CertificateDer, pki_types::PrivateKeyDer};
use wirescope::engine::Engine;
use wirescope::model::{Capture, Protocol};
use wirescope::synth::TcpConversation;
use wirescope::Limits;

const T0: i64 = 1_700_000_000_000_000_000;

/// A handshake between a rustls client (for "localhost", offering `alpn`, at most `version`) and
/// a server with the test certificate: each side's bytes in order, and what the client settled on.
fn tls_flights(alpn: &[&[u8]], version: &'static rustls::SupportedProtocolVersion) -> (Vec<(bool, Vec<u8>)>, rustls::ProtocolVersion) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs: Vec<CertificateDer> = CertificateDer::pem_file_iter(dir.join("server.pem")).unwrap().map(|c| c.unwrap()).collect();
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
    let mut server_config = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[version])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    server_config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(dir.join("ca.pem")).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let mut client_config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[version])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    client_config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut client = rustls::ClientConnection::new(Arc::new(client_config), name).unwrap();
    let mut server = rustls::ServerConnection::new(Arc::new(server_config)).unwrap();
    let mut flights = Vec::new();
    for _ in 0..10 {
        if !client.is_handshaking() && !server.is_handshaking() {
            break;
        }
        let mut c2s = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut c2s).unwrap();
        }
        if !c2s.is_empty() {
            server.read_tls(&mut &c2s[..]).unwrap();
            server.process_new_packets().unwrap();
            flights.push((true, c2s));
        }
        let mut s2c = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut s2c).unwrap();
        }
        if !s2c.is_empty() {
            client.read_tls(&mut &s2c[..]).unwrap();
            client.process_new_packets().unwrap();
            flights.push((false, s2c));
        }
    }
    assert!(!client.is_handshaking(), "the in-memory handshake finished");
    (flights, client.protocol_version().unwrap())
}

/// The capture of one connection carrying `flights`, closed.
fn run(flights: &[(bool, Vec<u8>)]) -> Capture {
    let mut packets = Vec::new();
    let mut out = |t: i64, p: &[u8]| packets.push((t, p.to_vec()));
    let mut c = TcpConversation::new(([10, 0, 0, 1], 50000), ([10, 0, 0, 2], 8443), T0);
    c.handshake(&mut out);
    for (from_client, bytes) in flights {
        c.send(*from_client, bytes, &mut out);
    }
    c.close(&mut out);
    let mut e = Engine::new(Limits::default());
    for (i, (t, p)) in packets.iter().enumerate() {
        e.packet(i as u64 + 1, *t, 1, p, 0, None);
    }
    e.finish();
    let mut cap = Capture::default();
    e.drain_events().for_each(|ev| cap.apply(ev));
    cap.connections = e.connections();
    cap
}

#[test]
fn the_sniffer_hands_tls_to_the_tls_layer_which_reads_both_hellos() {
    for (version, name) in [(&rustls::version::TLS13, "TLS 1.3"), (&rustls::version::TLS12, "TLS 1.2")] {
        let (flights, negotiated) = tls_flights(&[b"h2", b"http/1.1"], version);
        assert_eq!(negotiated, version.version, "rustls settled on the only version offered");
        let cap = run(&flights);
        assert_eq!(cap.connections.len(), 1);
        let c = &cap.connections[0];
        assert_eq!(c.protocol, Protocol::Tls, "{name}");
        let tls = c.tls.as_ref().unwrap();
        assert_eq!(tls.sni.as_deref(), Some("localhost"), "{name}");
        assert_eq!(tls.alpn, vec!["h2".to_string(), "http/1.1".to_string()], "{name}: the ALPN list the client offered");
        assert_eq!(tls.version.as_deref(), Some(name), "the version the ServerHello chose");
        assert!(cap.findings.is_empty(), "{name}: {:?}", cap.findings);
    }
}
