//! QR rendering (feature `qr`): a module matrix for e-ink and LED displays,
//! a compact SVG, and terminal text.
//!
//! Defaults are chosen for a phone screen held to a kiosk scanner: level M
//! (15 % recovery: enough for glare and a cracked screen, while a one-door
//! pickup token still fits version 3, 29 × 29 modules, whose modules stay
//! large on a small screen) and the standard 4-module quiet zone (phone UIs
//! put content close to the code; scanners need the margin to find it).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write as _};

use qrcode::types::QrError;
use qrcode::{Color, EcLevel, QrCode, Version};
use zeroize::Zeroize;

use super::token::TokenSecret;

/// Quiet zone around the code, in modules (the QR standard's minimum).
pub const QR_QUIET_ZONE_MODULES: u32 = 4;
/// Default size of one module in SVG pixels (29 + 8 modules → 296 px).
pub const QR_DEFAULT_MODULE_PX: u32 = 8;
/// The largest quiet zone accepted, in modules (25 times the standard's).
pub const QR_MAX_QUIET_ZONE_MODULES: u32 = 100;
/// The largest module accepted, in SVG pixels (a 100-pixel module is
/// already a poster).
pub const QR_MAX_MODULE_PX: u32 = 100;

/// Error-correction level: the share of the code that may be damaged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum QrErrorCorrection {
    /// About 7 %.
    Low,
    /// About 15 % (the default: phone screens are clean and flat).
    #[default]
    Medium,
    /// About 25 %.
    Quartile,
    /// About 30 % (printed labels that get scuffed).
    High,
}

impl QrErrorCorrection {
    const fn level(self) -> EcLevel {
        match self {
            Self::Low => EcLevel::L,
            Self::Medium => EcLevel::M,
            Self::Quartile => EcLevel::Q,
            Self::High => EcLevel::H,
        }
    }
}

/// How to render.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct QrOptions {
    /// Error-correction level.
    pub error_correction: QrErrorCorrection,
    /// Light margin around the code, in modules.
    pub quiet_zone_modules: u32,
    /// SVG pixels per module (sets `width` and `height`; the SVG scales).
    pub module_px: u32,
}

impl Default for QrOptions {
    fn default() -> Self {
        Self {
            error_correction: QrErrorCorrection::Medium,
            quiet_zone_modules: QR_QUIET_ZONE_MODULES,
            module_px: QR_DEFAULT_MODULE_PX,
        }
    }
}

impl QrOptions {
    /// Checks the sizes: a quiet zone of at most
    /// [`QR_MAX_QUIET_ZONE_MODULES`], a module of 1 to [`QR_MAX_MODULE_PX`]
    /// pixels.
    ///
    /// # Errors
    ///
    /// [`QrRenderError::InvalidOption`] naming the field.
    pub const fn validate(&self) -> Result<(), QrRenderError> {
        if self.quiet_zone_modules > QR_MAX_QUIET_ZONE_MODULES {
            return Err(QrRenderError::InvalidOption {
                field: "quiet_zone_modules",
                range: "0 to 100",
                value: self.quiet_zone_modules,
            });
        }
        if self.module_px == 0 || self.module_px > QR_MAX_MODULE_PX {
            return Err(QrRenderError::InvalidOption {
                field: "module_px",
                range: "1 to 100",
                value: self.module_px,
            });
        }
        Ok(())
    }
}

/// Why a text could not be put in a QR code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrRenderError {
    /// The text does not fit the largest QR code at this level.
    #[error("{chars} characters do not fit a QR code at this error-correction level")]
    DataTooLong {
        /// Characters given.
        chars: usize,
    },
    /// The encoder refused the text for another reason.
    #[error("QR encoding failed: {reason}")]
    Encoding {
        /// The encoder's message.
        reason: String,
    },
    /// A rendering option is out of its range.
    #[error("{field} must be {range}, not {value}")]
    InvalidOption {
        /// The option's field name.
        field: &'static str,
        /// Its accepted range.
        range: &'static str,
        /// The value given.
        value: u32,
    },
}

/// The modules of a QR code (without the quiet zone), row by row, `true`
/// for dark. Wiped on drop (it encodes the token); `Debug` shows only sizes.
#[derive(Clone, PartialEq, Eq)]
pub struct QrMatrix {
    version: u8,
    width: usize,
    quiet_zone_modules: u32,
    module_px: u32,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `text` in the smallest QR version that holds it at the
    /// options' level (alphanumeric mode for base32 tokens); the options'
    /// sizes are kept for drawing.
    ///
    /// # Errors
    ///
    /// [`QrRenderError::InvalidOption`] for sizes out of range, then
    /// [`QrRenderError::DataTooLong`] or [`QrRenderError::Encoding`].
    pub fn encode(text: &str, options: &QrOptions) -> Result<Self, QrRenderError> {
        options.validate()?;
        let code = QrCode::with_error_correction_level(text, options.error_correction.level())
            .map_err(|e| match e {
                QrError::DataTooLong => QrRenderError::DataTooLong {
                    chars: text.chars().count(),
                },
                other => QrRenderError::Encoding {
                    reason: alloc::format!("{other}"),
                },
            })?;
        let version = match code.version() {
            Version::Normal(v) | Version::Micro(v) => u8::try_from(v).unwrap_or(0),
        };
        let width = code.width();
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        Ok(Self {
            version,
            width,
            quiet_zone_modules: options.quiet_zone_modules,
            module_px: options.module_px,
            dark,
        })
    }

    /// The QR version (1 to 40; 3 is 29 × 29 modules).
    #[must_use]
    pub const fn version(&self) -> u8 {
        self.version
    }

    /// Modules per side, without the quiet zone.
    #[must_use]
    pub const fn width_modules(&self) -> usize {
        self.width
    }

    /// The quiet zone to leave around the modules when displaying them.
    #[must_use]
    pub const fn quiet_zone_modules(&self) -> u32 {
        self.quiet_zone_modules
    }

    /// Whether the module at column `x`, row `y` is dark (outside: light).
    #[must_use]
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width
            && y < self.width
            && self.dark.get(y * self.width + x).copied().unwrap_or(false)
    }

    /// Rows of modules, top first, `true` for dark: feed an e-ink or LED
    /// display directly.
    pub fn rows(&self) -> impl Iterator<Item = &[bool]> {
        self.dark.chunks(self.width.max(1))
    }

    /// A compact SVG, `module_px` pixels per module (the options' size):
    /// one white background rectangle and one stroked path of merged
    /// horizontal runs (about 2 KB for version 3).
    #[must_use]
    pub fn to_svg(&self) -> String {
        // Both sizes are checked at encoding, so none of this overflows,
        // even in 32 bits: at most 177 + 200 modules of 100 pixels.
        let quiet = usize::try_from(self.quiet_zone_modules).unwrap_or(0);
        let side = self.width + 2 * quiet;
        let px = side.saturating_mul(usize::try_from(self.module_px).unwrap_or(1));
        let mut svg = String::with_capacity(2_048);
        let _ = write!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{px}\" height=\"{px}\" \
             viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\
             <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path stroke=\"#000\" d=\""
        );
        // A run of dark modules from x0 (inclusive) in row y becomes a
        // horizontal line of width 1 through the middle of the row. Moves
        // are relative to the end of the previous run to save bytes.
        let mut pen: Option<(usize, usize)> = None;
        for (y, row) in self.rows().enumerate() {
            let mut x = 0;
            while x < row.len() {
                if !row[x] {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < row.len() && row[x] {
                    x += 1;
                }
                let (ax, ay) = (start + quiet, y + quiet);
                match pen {
                    None => {
                        let _ = write!(svg, "M{ax} {ay}.5");
                    }
                    Some((pen_x, pen_y)) => {
                        let dx = i64::try_from(ax).unwrap_or(0) - i64::try_from(pen_x).unwrap_or(0);
                        let _ = write!(svg, "m{dx} {}", ay - pen_y);
                    }
                }
                let _ = write!(svg, "h{}", x - start);
                pen = Some((x + quiet, ay));
            }
        }
        svg.push_str("\"/></svg>");
        svg
    }

    /// Text for a terminal with a dark background: two module rows per line
    /// with half blocks, light modules drawn, quiet zone included. With
    /// `dark_background` false, dark modules are drawn instead.
    #[must_use]
    pub fn to_terminal_text(&self, dark_background: bool) -> String {
        let quiet = usize::try_from(self.quiet_zone_modules).unwrap_or(0);
        let side = self.width + 2 * quiet;
        // Whether the module at (x, y) of the framed code is drawn as ink.
        let ink = |x: usize, y: usize| {
            let dark = x >= quiet && y >= quiet && y < side && self.is_dark(x - quiet, y - quiet);
            let inside = y < side;
            inside && (dark != dark_background)
        };
        let mut text = String::with_capacity((side + 1) * side.div_ceil(2) * 3);
        for y in (0..side).step_by(2) {
            for x in 0..side {
                text.push(match (ink(x, y), ink(x, y + 1)) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                });
            }
            text.push('\n');
        }
        text
    }
}

impl Drop for QrMatrix {
    fn drop(&mut self) {
        self.dark.as_mut_slice().zeroize();
    }
}

impl fmt::Debug for QrMatrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QrMatrix")
            .field("version", &self.version)
            .field("width", &self.width)
            .field("quiet_zone_modules", &self.quiet_zone_modules)
            .finish_non_exhaustive()
    }
}

impl TokenSecret {
    /// The token as a QR module matrix.
    ///
    /// # Errors
    ///
    /// [`QrRenderError`] if the encoder refuses (never for tokens up to the
    /// largest, 104 characters).
    pub fn to_qr(&self, options: &QrOptions) -> Result<QrMatrix, QrRenderError> {
        QrMatrix::encode(self.expose(), options)
    }

    /// The token as a compact SVG string.
    ///
    /// # Errors
    ///
    /// As [`to_qr`](Self::to_qr).
    pub fn to_qr_svg(&self, options: &QrOptions) -> Result<String, QrRenderError> {
        Ok(self.to_qr(options)?.to_svg())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::{KeyRing, Purpose, TokenRequest, issue_token};
    use crate::ids::CompartmentId;
    use alloc::vec;
    use rand::SeedableRng;

    fn token(compartments: usize) -> TokenSecret {
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let mut keys = KeyRing::new();
        keys.rotate(&mut rng).unwrap();
        let request = TokenRequest {
            bank: crate::credential::BankId::UNNAMED,
            purpose: Purpose::Pickup,
            compartments: (100..).take(compartments).map(CompartmentId).collect(),
            recipient: Some(crate::ids::RecipientId(12)),
            expires_at_s: 2_000_000_000,
        };
        issue_token(&keys, &mut rng, &request, 1_700_000_000)
            .unwrap()
            .0
    }

    #[test]
    fn a_pickup_token_for_up_to_three_doors_fits_version_4_m() {
        let qr = token(1).to_qr(&QrOptions::default()).unwrap();
        assert_eq!((qr.version(), qr.width_modules()), (4, 33));
        let three = token(3).to_qr(&QrOptions::default()).unwrap();
        assert_eq!((three.version(), three.width_modules()), (4, 33));
        let eight = token(8).to_qr(&QrOptions::default()).unwrap();
        assert_eq!(eight.version(), 5);
    }

    #[test]
    fn svg_is_one_path_and_small() {
        let options = QrOptions::default();
        let t = token(1);
        let svg = t.to_qr_svg(&options).unwrap();
        assert_eq!(svg.matches("<path").count(), 1);
        assert!(svg.len() < 2_500, "{} bytes", svg.len());
        assert!(svg.contains("viewBox=\"0 0 41 41\""));
    }

    #[test]
    fn sizes_out_of_range_are_refused_and_the_largest_draw_whole() {
        let t = token(1);
        for (quiet_zone_modules, module_px, field) in [
            (u32::MAX, 8, "quiet_zone_modules"),
            (QR_MAX_QUIET_ZONE_MODULES + 1, 8, "quiet_zone_modules"),
            (4, 0, "module_px"),
            (4, QR_MAX_MODULE_PX + 1, "module_px"),
            (4, u32::MAX, "module_px"),
        ] {
            let options = QrOptions {
                quiet_zone_modules,
                module_px,
                ..QrOptions::default()
            };
            assert!(matches!(
                t.to_qr_svg(&options),
                Err(QrRenderError::InvalidOption { field: f, .. }) if f == field
            ));
        }
        let largest = QrOptions {
            quiet_zone_modules: QR_MAX_QUIET_ZONE_MODULES,
            module_px: QR_MAX_MODULE_PX,
            ..QrOptions::default()
        };
        let svg = t.to_qr_svg(&largest).unwrap();
        assert!(svg.contains("width=\"23300\" height=\"23300\" viewBox=\"0 0 233 233\""));
        assert!(
            svg.contains("d=\"M100 100.5"),
            "drawn inside the quiet zone"
        );
    }

    #[test]
    fn svg_path_reproduces_the_matrix() {
        let qr = token(1).to_qr(&QrOptions::default()).unwrap();
        let svg = qr.to_svg();
        let d = svg.split("d=\"").nth(1).unwrap().split('"').next().unwrap();
        // Replay the path: M/m set the pen, h paints a run.
        let quiet = 4i64;
        let mut painted = vec![false; qr.width_modules() * qr.width_modules()];
        let (mut x, mut y) = (0i64, 0i64);
        let mut chars = d.chars().peekable();
        let number = |chars: &mut core::iter::Peekable<core::str::Chars<'_>>| {
            let mut s = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_ascii_digit() || c == '-' || c == '.' {
                    s.push(c);
                    chars.next();
                } else if c == ' ' && s.is_empty() {
                    chars.next();
                } else {
                    break;
                }
            }
            s.split('.').next().unwrap().parse::<i64>().unwrap()
        };
        while let Some(cmd) = chars.next() {
            match cmd {
                'M' => {
                    x = number(&mut chars);
                    y = number(&mut chars);
                }
                'm' => {
                    x += number(&mut chars);
                    y += number(&mut chars);
                }
                'h' => {
                    let len = number(&mut chars);
                    for i in 0..len {
                        let (mx, my) = (
                            usize::try_from(x + i - quiet).unwrap(),
                            usize::try_from(y - quiet).unwrap(),
                        );
                        painted[my * qr.width_modules() + mx] = true;
                    }
                    x += len;
                }
                other => panic!("unexpected {other}"),
            }
        }
        let expected: Vec<bool> = qr.rows().flatten().copied().collect();
        assert_eq!(painted, expected);
    }

    #[test]
    fn terminal_text_has_a_line_per_two_rows() {
        let qr = token(1).to_qr(&QrOptions::default()).unwrap();
        let text = qr.to_terminal_text(true);
        assert_eq!(text.lines().count(), 21);
        assert!(text.lines().all(|l| l.chars().count() == 41));
        assert!(!alloc::format!("{qr:?}").contains('█'));
    }
}
