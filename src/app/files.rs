//! Choosing files: the desktop file dialog when one can be shown, else a typed path. rfd needs an
//! XDG desktop portal or zenity on Linux; without them its dialogs return at once with nothing,
//! which must not look like "the user cancelled".

use super::loader::Source;
use super::Command;
use crate::analysis::explain::Lang;
use eframe::egui;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// What a path is wanted for.
#[derive(Debug, Clone)]
pub enum Purpose {
    Open,
    /// Save the open capture as .pcap or .pcapng.
    SaveCapture,
    /// Save the diagram's SVG text.
    SaveSvg(String),
    /// A TLS key log (NSS format, as SSLKEYLOGFILE writes it) to reload the open capture with.
    KeyLog,
}

/// What a dialog thread reports.
pub enum Picked {
    File(PathBuf),
    Cancelled,
    /// No dialog could be shown.
    Unavailable,
}

/// A dialog shown on its own thread; the UI polls it.
pub struct Pending {
    pub purpose: Purpose,
    rx: Receiver<Picked>,
}

/// A dialog that answers "nothing" faster than a person can press Escape never showed.
const TOO_FAST: Duration = Duration::from_millis(300);

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// Whether a desktop file dialog can be shown at all (a cheap check before trying).
pub fn dialog_possible() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    if std::env::var_os("WIRESCOPE_NO_FILE_DIALOG").is_some() {
        return false;
    }
    // The portal is reached over the session bus; zenity is rfd's fallback.
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() || on_path("zenity")
}

/// Shows the dialog for `purpose` on a thread, or returns `None` when no dialog can be shown.
pub fn start_dialog(purpose: Purpose, suggested_name: Option<String>, ctx: &egui::Context) -> Option<Pending> {
    if !dialog_possible() {
        return None;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let c = ctx.clone();
    let p = purpose.clone();
    std::thread::spawn(move || {
        let t0 = Instant::now();
        let picked = match p {
            Purpose::Open => {
                rfd::FileDialog::new().add_filter("Captures", &["pcap", "pcapng", "cap"]).add_filter("All files", &["*"]).pick_file()
            }
            Purpose::SaveCapture => rfd::FileDialog::new()
                .add_filter("pcapng", &["pcapng"])
                .add_filter("pcap", &["pcap"])
                .set_file_name(suggested_name.unwrap_or_else(|| "capture.pcapng".into()))
                .save_file(),
            Purpose::SaveSvg(_) => rfd::FileDialog::new().add_filter("SVG", &["svg"]).set_file_name("diagram.svg").save_file(),
            Purpose::KeyLog => rfd::FileDialog::new()
                .set_title("TLS key log (SSLKEYLOGFILE)")
                .add_filter("Key logs", &["keys", "log", "txt"])
                .add_filter("All files", &["*"])
                .pick_file(),
        };
        let answer = match picked {
            Some(f) => Picked::File(f),
            None if t0.elapsed() < TOO_FAST => Picked::Unavailable,
            None => Picked::Cancelled,
        };
        let _ = tx.send(answer);
        c.request_repaint();
    });
    Some(Pending { purpose, rx })
}

impl Pending {
    /// The dialog's answer, once it has one.
    pub fn poll(&self) -> Option<Picked> {
        self.rx.try_recv().ok()
    }
}

/// The typed-path window shown when no dialog can be: says why and takes a path, with focus.
pub struct PathPrompt {
    pub purpose: Purpose,
    pub path: String,
    /// Frames left in which the path field takes the focus back (until the user clicks).
    focus_frames: u8,
}

impl PathPrompt {
    pub fn new(purpose: Purpose, path: String) -> PathPrompt {
        PathPrompt { purpose, path, focus_frames: 30 }
    }
}

/// What the prompt asks the app to do with the typed path.
pub enum PromptAnswer {
    Open(PathBuf),
    KeyLog(PathBuf),
    Save(Purpose, PathBuf),
}

/// Draws the prompt. Returns the answer once the user gives a path; `open` goes false when the
/// window is closed or answered.
pub fn path_prompt_ui(ctx: &egui::Context, lang: Lang, prompt: &mut PathPrompt, open: &mut bool) -> Option<PromptAnswer> {
    let mut answer = None;
    let mut keep = *open;
    let title = match prompt.purpose {
        Purpose::Open => lang.pick("Open a capture", "打开抓包文件"),
        Purpose::SaveCapture => lang.pick("Save the capture as", "抓包另存为"),
        Purpose::SaveSvg(_) => lang.pick("Save the diagram as SVG", "将时序图保存为 SVG"),
        Purpose::KeyLog => lang.pick("Read TLS keys from a key log", "从密钥日志读取 TLS 密钥"),
    };
    egui::Window::new(title).anchor(egui::Align2::CENTER_TOP, [0.0, 80.0]).open(&mut keep).collapsible(false).resizable(false).show(
        ctx,
        |ui| {
            ui.set_max_width(520.0);
            ui.label(lang.pick(
                "No file dialog can be shown here (it needs an XDG desktop portal or zenity). Type the file's path instead:",
                "此处无法显示文件对话框（需要 XDG 桌面门户或 zenity）。请直接输入文件路径：",
            ));
            let hint = match prompt.purpose {
                Purpose::Open => "/path/to/capture.pcapng",
                Purpose::SaveCapture => "/path/to/copy.pcapng",
                Purpose::SaveSvg(_) => "/path/to/diagram.svg",
                Purpose::KeyLog => "/path/to/sslkeylog.txt",
            };
            let (r, go) = ui
                .horizontal(|ui| {
                    let l = ui.label(lang.pick("Path:", "路径："));
                    let r = ui.add(egui::TextEdit::singleline(&mut prompt.path).hint_text(hint).desired_width(380.0)).labelled_by(l.id);
                    let label = match prompt.purpose {
                        Purpose::Open => lang.pick("Open", "打开"),
                        Purpose::KeyLog => lang.pick("Use", "使用"),
                        _ => lang.pick("Save", "保存"),
                    };
                    let go = ui.button(label).clicked();
                    (r, go)
                })
                .inner;
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            // The menu item that opened the prompt keeps the focus a click gave it: for a moment,
            // until the user presses the pointer somewhere, the field takes it back.
            if prompt.focus_frames > 0 {
                prompt.focus_frames -= 1;
                if enter || ui.input(|i| i.pointer.any_pressed()) {
                    prompt.focus_frames = 0;
                } else if !r.has_focus() {
                    r.request_focus();
                }
                ui.ctx().request_repaint();
            }
            let typed = prompt.path.trim();
            if matches!(prompt.purpose, Purpose::Open | Purpose::KeyLog) && !typed.is_empty() && !Path::new(typed).exists() {
                ui.weak(lang.pick("No file at this path yet.", "此路径下没有文件。"));
            }
            if (go || enter) && !typed.is_empty() {
                let p = PathBuf::from(typed);
                answer = Some(match &prompt.purpose {
                    Purpose::Open => PromptAnswer::Open(p),
                    Purpose::KeyLog => PromptAnswer::KeyLog(p),
                    other => PromptAnswer::Save(other.clone(), p),
                });
            }
        },
    );
    if !keep || answer.is_some() {
        *open = false;
    }
    answer
}

impl PromptAnswer {
    pub fn into_command(self) -> Option<Command> {
        match self {
            PromptAnswer::Open(p) => Some(Command::Open(Source::File(p))),
            PromptAnswer::KeyLog(p) => Some(Command::UseKeyLog(p)),
            PromptAnswer::Save(..) => None,
        }
    }
}
