//! `login --qr`: an address as a QR code on the terminal, for a phone's camera. Two rows of
//! modules per line with Unicode half blocks; light modules are drawn (blocks in the foreground
//! colour), dark ones left blank, inside the quiet zone the standard asks for. With colours on,
//! white on black is set explicitly, so the code reads the same on a light terminal.

use qrcode::{Color, EcLevel, QrCode};

/// The quiet zone around the code, in modules (ISO/IEC 18004: four).
const QUIET: usize = 4;

/// `text` as a QR code drawn in lines of half blocks; `None` when it does not fit in one (a
/// QR code holds under 3 KB).
pub fn draw(text: &str, colour: bool) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let size = width + 2 * QUIET;
    let dark = |x: usize, y: usize| {
        (QUIET..QUIET + width).contains(&x)
            && (QUIET..QUIET + width).contains(&y)
            && colors[(y - QUIET) * width + (x - QUIET)] == Color::Dark
    };
    let mut out = String::new();
    for y in (0..size).step_by(2) {
        if colour {
            out.push_str("\x1b[97;40m");
        }
        for x in 0..size {
            out.push(match (dark(x, y), y + 1 < size && dark(x, y + 1)) {
                (false, false) => '█',
                (false, true) => '▀',
                (true, false) => '▄',
                (true, true) => ' ',
            });
        }
        if colour {
            out.push_str("\x1b[0m");
        }
        out.push('\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The drawing turned back into pixels (light: a block's half is drawn), read by a decoder
    /// written apart from the encoder.
    fn decode(drawing: &str) -> Vec<String> {
        let rows: Vec<Vec<char>> = drawing.lines().map(|l| l.chars().collect()).collect();
        let (w, h) = (rows[0].len(), rows.len() * 2);
        let light = |x: usize, y: usize| match rows[y / 2][x] {
            '█' => true,
            '▀' => y.is_multiple_of(2),
            '▄' => !y.is_multiple_of(2),
            _ => false,
        };
        // Four pixels a module, as a camera would see it at least.
        let scale = 4;
        let mut image =
            rqrr::PreparedImage::prepare_from_bitmap(w * scale, h * scale, |x, y| !light(x / scale, y / scale));
        image.detect_grids().iter().filter_map(|grid| grid.decode().ok()).map(|(_, text)| text).collect()
    }

    #[test]
    fn the_drawn_code_reads_back_as_the_address() {
        for url in [
            "https://login.example.com/device?user_code=WDJB-MJHT",
            "http://127.0.0.1:43567/device?user_code=BCDF-GHJK",
            "https://idp.example.org/realms/very-long-realm-name/protocol/openid-connect/auth/device?user_code=ABCD-EFGH",
        ] {
            let drawing = draw(url, false).expect("drawn");
            assert_eq!(decode(&drawing), [url], "{drawing}");
            assert!(
                drawing.lines().all(|l| l.chars().count() == drawing.lines().next().map_or(0, |f| f.chars().count()))
            );
        }
    }

    #[test]
    fn colours_wrap_each_line_and_nothing_else() {
        let url = "https://login.example.com/device?user_code=WDJB-MJHT";
        let plain = draw(url, false).expect("drawn");
        let coloured = draw(url, true).expect("drawn");
        assert_eq!(coloured.replace("\x1b[97;40m", "").replace("\x1b[0m", ""), plain);
        assert!(coloured.lines().all(|l| l.starts_with("\x1b[97;40m") && l.ends_with("\x1b[0m")));
    }

    #[test]
    fn too_much_for_a_code_is_none() {
        assert!(draw(&"x".repeat(5000), false).is_none());
    }
}
