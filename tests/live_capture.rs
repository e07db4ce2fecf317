//! Live capture on loopback (CI runs as root): what the capture decodes to is exactly what was
//! sent. Without the right to capture, the message says how to get it. Traffic stays on 127.0.0.1,
//! bounded in count and time.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::time::Duration;

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_wirescope")
}

#[test]
fn a_bad_filter_is_refused_before_capturing() {
    let out = Command::new(bin())
        .args(["capture", "-i", "lo", "-f", "tcp port banana", "-c", "1", "-w", "/nonexistent/x.pcap"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid capture filter \"tcp port banana\""), "{err}");
}

#[test]
fn capturing_without_permission_says_how_to_grant_it() {
    let dir = std::env::temp_dir().join(format!("wirescope-perm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_file = dir.join("x.pcap");
    let output = if is_root() {
        // Drop to an unprivileged user with a copy of the binary it may execute.
        use std::os::unix::fs::PermissionsExt;
        let exe = dir.join("wirescope");
        std::fs::copy(bin(), &exe).unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&exe)
            .args(["capture", "-i", "lo", "-c", "1", "--duration", "1", "-w"])
            .arg(&out_file)
            .output()
            .expect("setpriv (util-linux)")
    } else {
        Command::new(bin()).args(["capture", "-i", "lo", "-c", "1", "--duration", "1", "-w"]).arg(&out_file).output().unwrap()
    };
    let _ = std::fs::remove_dir_all(&dir);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "an unprivileged capture must fail: {err}");
    assert!(err.contains("permission denied") && err.contains("setcap cap_net_raw,cap_net_admin=eip") && err.contains("root"), "{err}");
}

#[test]
fn a_loopback_capture_decodes_to_what_was_sent() {
    if !is_root() {
        eprintln!("not root: live capture is covered by capturing_without_permission_says_how_to_grant_it");
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        for stream in listener.incoming().take(3) {
            let mut s = stream.unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut buf = [0u8; 1024];
            let n = s.read(&mut buf).unwrap_or(0);
            let status = if String::from_utf8_lossy(&buf[..n]).contains("/missing") { "404 Not Found" } else { "200 OK" };
            let _ = s.write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok").as_bytes());
        }
    });
    let dir = std::env::temp_dir().join(format!("wirescope-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("live.pcapng");
    let mut child = Command::new(bin())
        .args(["capture", "-i", "lo", "-f", &format!("tcp port {port}"), "--duration", "60", "-w"])
        .arg(&file)
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    for target in ["/live/a", "/live/b", "/missing"] {
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        c.write_all(format!("GET {target} HTTP/1.1\r\nHost: lab\r\n\r\n").as_bytes()).unwrap();
        let mut resp = Vec::new();
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = c.read_to_end(&mut resp);
    }
    server.join().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    // Ctrl+C ends the capture cleanly and keeps the file (the 60 s limit only bounds the test).
    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    assert!(child.wait().unwrap().success(), "an interrupted capture exits cleanly");
    assert!(!dir.join("live.pcapng.part").exists(), "the .part file was renamed");
    let mut cap = wirescope::model::Capture::default();
    let loaded = wirescope::load::load_file(&file, wirescope::Limits::default(), |e, _, _| {
        e.drain_events().for_each(|ev| cap.apply(ev));
        true
    })
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let mut got: Vec<(String, u16)> =
        cap.http.iter().map(|x| (x.request.as_ref().unwrap().target.clone(), x.response.as_ref().unwrap().status)).collect();
    got.sort();
    assert_eq!(got, vec![("/live/a".to_string(), 200), ("/live/b".to_string(), 200), ("/missing".to_string(), 404)]);
    let conns = loaded.engine.connections();
    assert_eq!(conns.len(), 3);
    assert!(conns.iter().all(|c| c.handshake_rtt_ms.is_some() && c.end == wirescope::model::End::Fin));
}
