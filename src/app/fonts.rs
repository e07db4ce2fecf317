//! Fonts: egui's defaults have no Chinese. A subset of WenQuanYi Micro Hei is compiled in (so the
//! first start and the tests always draw 中文); a full system CJK font is preferred when present.

use eframe::egui::{self, FontData, FontDefinitions, FontFamily};
use std::sync::Arc;

const BUNDLED_CJK: &[u8] = include_bytes!("../../assets/fonts/wqy-microhei-subset.ttf");

const SYSTEM_CJK: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:\\Windows\\Fonts\\msyh.ttc",
];

/// Adds a CJK fallback to both families. `system` says whether to look for an installed font.
pub fn install(ctx: &egui::Context, system: bool) {
    let mut fonts = FontDefinitions::default();
    let data = system.then(|| SYSTEM_CJK.iter().find_map(|p| std::fs::read(p).ok())).flatten();
    let font = match data {
        Some(bytes) => FontData::from_owned(bytes),
        None => FontData::from_static(BUNDLED_CJK),
    };
    fonts.font_data.insert("cjk".into(), Arc::new(font));
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        fonts.families.entry(family).or_default().push("cjk".into());
    }
    ctx.set_fonts(fonts);
}
