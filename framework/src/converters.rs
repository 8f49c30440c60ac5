//! Converters: what a `<kind:name>` placeholder in a rule accepts, and how a
//! value is written back into a URL.
//!
//! A converter does two jobs, one per direction:
//!
//! - matching: does this piece of the path fit (`"42"` fits `int`, `"x"` does
//!   not), and what value does it stand for (`42`, a number, not the text);
//! - building: which text stands for a value (`42` gives `"42"`), escaped.
//!
//! The kinds and their options follow werkzeug (and so Flask):
//!
//! | rule text | matches | value |
//! |---|---|---|
//! | `<name>` or `<string:name>` | one non-empty segment (options `minlength`, `maxlength`, `length`) | `str` |
//! | `<int:name>` | digits (options `min`, `max`, `signed`, `fixed_digits`) | `int` |
//! | `<float:name>` | digits `.` digits (options `min`, `max`, `signed`) | `float` |
//! | `<uuid:name>` | `8-4-4-4-12` hex digits | `uuid.UUID` |
//! | `<path:name>` | one or more segments, slashes included | `str` |

use crate::percent::{quote, PATH_SAFE};
use crate::rule::repr;

/// One converter, with its options. Two placeholders with equal converters
/// (and equal static text around them) share a node in the router's trie.
#[derive(Debug, Clone, PartialEq)]
pub enum Converter {
    /// One segment of `min..=max` characters.
    String { min: usize, max: Option<usize> },
    /// Decimal digits, optionally signed and bounded.
    Int { fixed_digits: usize, min: Option<i64>, max: Option<i64>, signed: bool },
    /// `digits.digits`, optionally signed and bounded.
    Float { min: Option<f64>, max: Option<f64>, signed: bool },
    /// A UUID in its usual hyphenated form, any case.
    Uuid,
    /// The rest of the path (or the part before a static suffix), slashes included.
    Path,
}

/// A matched (or to-be-built) value, before it becomes a Python object.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Int(i64),
    /// An integer too large for `i64`, as canonical decimal text; Python's
    /// `int` has no limit, so the binding turns this into a real `int`.
    BigInt(String),
    Float(f64),
    /// The UUID's text; the binding makes a `uuid.UUID` of it.
    Uuid(String),
}

/// One parsed `key=value` converter option.
#[derive(Debug, Clone, PartialEq)]
enum OptionValue {
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Converter {
    /// Builds the converter named in a rule, e.g. `("int", "min=1, max=99")`.
    /// Unknown names and options are errors: a typo in a rule should stop the
    /// app at start-up, not quietly match nothing.
    pub fn from_rule(name: &str, args: &str) -> Result<Converter, String> {
        let options = parse_options(args)?;
        let known: &[&str] = match name {
            "default" | "string" => &["minlength", "maxlength", "length"],
            "int" => &["min", "max", "signed", "fixed_digits"],
            "float" => &["min", "max", "signed"],
            "uuid" | "path" => &[],
            other => return Err(format!("unknown converter {} (known: string, int, float, uuid, path)", repr(other))),
        };
        for (key, _) in &options {
            if !known.contains(&key.as_str()) {
                return Err(if known.is_empty() {
                    format!("the {name} converter takes no options, got {}", repr(key))
                } else {
                    format!("the {name} converter has no option {} (it has: {})", repr(key), known.join(", "))
                });
            }
        }
        let int = |key: &str| -> Result<Option<i64>, String> {
            match options.iter().find(|(k, _)| k == key) {
                None => Ok(None),
                Some((_, OptionValue::Int(n))) => Ok(Some(*n)),
                Some((_, other)) => Err(format!("option {key} must be an integer, got {other:?}")),
            }
        };
        let number = |key: &str| -> Result<Option<f64>, String> {
            match options.iter().find(|(k, _)| k == key) {
                None => Ok(None),
                Some((_, OptionValue::Int(n))) => Ok(Some(*n as f64)),
                Some((_, OptionValue::Float(x))) => Ok(Some(*x)),
                Some((_, other)) => Err(format!("option {key} must be a number, got {other:?}")),
            }
        };
        let flag = |key: &str| -> Result<bool, String> {
            match options.iter().find(|(k, _)| k == key) {
                None => Ok(false),
                Some((_, OptionValue::Bool(b))) => Ok(*b),
                Some((_, other)) => Err(format!("option {key} must be True or False, got {other:?}")),
            }
        };
        let size = |key: &str| -> Result<Option<usize>, String> {
            match int(key)? {
                None => Ok(None),
                Some(n) if n >= 0 => Ok(Some(n as usize)),
                Some(n) => Err(format!("option {key} must not be negative, got {n}")),
            }
        };
        Ok(match name {
            "default" | "string" => {
                let (min, max) = match size("length")? {
                    Some(length) => (length, Some(length)),
                    None => (size("minlength")?.unwrap_or(1), size("maxlength")?),
                };
                if min == 0 {
                    return Err("a string segment cannot be empty: minlength/length must be at least 1".into());
                }
                if max.is_some_and(|max| max < min) {
                    return Err(format!("maxlength {} is below minlength {min}", max.unwrap_or(0)));
                }
                Converter::String { min, max }
            }
            "int" => Converter::Int {
                fixed_digits: size("fixed_digits")?.unwrap_or(0),
                min: int("min")?,
                max: int("max")?,
                signed: flag("signed")?,
            },
            "float" => Converter::Float { min: number("min")?, max: number("max")?, signed: flag("signed")? },
            "uuid" => Converter::Uuid,
            _ => Converter::Path,
        })
    }

    /// Which converter goes first when several could match the same segment:
    /// lower first (werkzeug's weights). Numbers are pickier than strings,
    /// and `path`, which swallows anything, comes last.
    pub fn weight(&self) -> u32 {
        match self {
            Converter::Int { .. } | Converter::Float { .. } => 50,
            Converter::String { .. } | Converter::Uuid => 100,
            Converter::Path => 200,
        }
    }

    /// Reads one piece of the path; `None` means "does not fit, try another rule".
    pub fn to_value(&self, text: &str) -> Option<Value> {
        match self {
            Converter::String { min, max } => {
                let count = text.chars().count();
                (count >= *min && max.is_none_or(|max| count <= max) && !text.contains('/'))
                    .then(|| Value::Str(text.to_string()))
            }
            Converter::Int { fixed_digits, min, max, signed } => {
                if *fixed_digits > 0 && text.len() != *fixed_digits {
                    return None;
                }
                let digits = match text.strip_prefix('-') {
                    Some(rest) if *signed => rest,
                    _ => text,
                };
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                match text.parse::<i64>() {
                    Ok(n) => {
                        (min.is_none_or(|min| n >= min) && max.is_none_or(|max| n <= max)).then_some(Value::Int(n))
                    }
                    Err(_) => {
                        // Beyond i64: it is below any `min` if negative, above any `max` if not.
                        let negative = text.starts_with('-');
                        if (negative && min.is_some()) || (!negative && max.is_some()) {
                            return None;
                        }
                        let trimmed = digits.trim_start_matches('0');
                        Some(Value::BigInt(format!("{}{trimmed}", if negative { "-" } else { "" })))
                    }
                }
            }
            Converter::Float { min, max, signed } => {
                let unsigned = match text.strip_prefix('-') {
                    Some(rest) if *signed => rest,
                    _ => text,
                };
                let (whole, fraction) = unsigned.split_once('.')?;
                let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
                if !all_digits(whole) || !all_digits(fraction) {
                    return None;
                }
                let x: f64 = text.parse().ok()?;
                (min.is_none_or(|min| x >= min) && max.is_none_or(|max| x <= max)).then_some(Value::Float(x))
            }
            Converter::Uuid => is_uuid(text).then(|| Value::Uuid(text.to_string())),
            Converter::Path => (!text.is_empty() && !text.starts_with('/')).then(|| Value::Str(text.to_string())),
        }
    }

    /// Writes a value into a URL, escaped. Values of the wrong kind are errors
    /// (the Python binding converts `"5"` to `5` for `int` before this).
    pub fn to_url(&self, value: &Value) -> Result<String, String> {
        match (self, value) {
            (Converter::String { .. } | Converter::Path, Value::Str(text)) => Ok(quote(text, PATH_SAFE)),
            (Converter::Int { fixed_digits, .. }, Value::Int(n)) => Ok(zero_fill(n.to_string(), *fixed_digits)),
            (Converter::Int { fixed_digits, .. }, Value::BigInt(digits)) => {
                Ok(zero_fill(digits.clone(), *fixed_digits))
            }
            (Converter::Float { .. }, Value::Float(x)) => Ok(python_float_repr(*x)),
            (Converter::Uuid, Value::Uuid(text) | Value::Str(text)) => Ok(quote(text, PATH_SAFE)),
            (converter, value) => Err(format!("cannot put {value:?} in a {} placeholder", converter.kind())),
        }
    }

    /// The converter's name as written in rules.
    pub fn kind(&self) -> &'static str {
        match self {
            Converter::String { .. } => "string",
            Converter::Int { .. } => "int",
            Converter::Float { .. } => "float",
            Converter::Uuid => "uuid",
            Converter::Path => "path",
        }
    }
}

/// Pads with zeros after the sign, as `str.zfill` does (`fixed_digits`).
fn zero_fill(text: String, width: usize) -> String {
    if text.len() >= width {
        return text;
    }
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    format!("{sign}{}{digits}", "0".repeat(width - text.len()))
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// A float written the way Python's `repr` writes it (`1.0`, `0.25`, `1e+16`,
/// `1e-05`), so that URLs built here equal those Python code would build.
/// Rust's `{:e}` already finds the shortest digits that read back to the same
/// float; only the layout differs.
pub fn python_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    let scientific = format!("{:e}", x.abs()); // "1.25e-3"
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if (-4..16).contains(&exponent) {
        // Positional: place the decimal point `exponent + 1` digits in.
        let point = exponent + 1;
        let body = if point <= 0 {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        } else if point as usize >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
        };
        format!("{sign}{body}")
    } else {
        let mantissa = if digits.len() > 1 { format!("{}.{}", &digits[..1], &digits[1..]) } else { digits };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exponent_sign}{:02}", exponent.abs())
    }
}

/// Parses `min=1, max=99, signed=True` (keyword options only; werkzeug's
/// positional form is rejected with a message saying so).
fn parse_options(args: &str) -> Result<Vec<(String, OptionValue)>, String> {
    let mut options = Vec::new();
    for item in args.split(',') {
        let item = item.trim();
        if item.is_empty() {
            if args.trim().is_empty() {
                continue;
            }
            return Err(format!("empty converter option in ({args})"));
        }
        let Some((key, value)) = item.split_once('=') else {
            return Err(format!("converter options are written key=value, got {}", repr(item)));
        };
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("bad converter option name {}", repr(key)));
        }
        let parsed = match value {
            "True" | "true" => OptionValue::Bool(true),
            "False" | "false" => OptionValue::Bool(false),
            _ => match value.parse::<i64>() {
                Ok(n) => OptionValue::Int(n),
                Err(_) => match value.parse::<f64>() {
                    Ok(x) if x.is_finite() => OptionValue::Float(x),
                    _ => {
                        return Err(format!(
                            "option {key} has a value that is not a number or True/False: {}",
                            repr(value)
                        ))
                    }
                },
            },
        };
        if options.iter().any(|(k, _)| k == key) {
            return Err(format!("option {key} is given twice"));
        }
        options.push((key.to_string(), parsed));
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(name: &str, args: &str) -> Converter {
        Converter::from_rule(name, args).unwrap()
    }

    #[test]
    fn strings_take_one_non_empty_segment() {
        let c = conv("default", "");
        assert_eq!(c.to_value("ada"), Some(Value::Str("ada".into())));
        assert_eq!(c.to_value(""), None);
        let two = conv("string", "length=2");
        assert_eq!(two.to_value("en"), Some(Value::Str("en".into())));
        assert_eq!(two.to_value("eng"), None);
        assert_eq!(conv("string", "maxlength=3").to_value("abcd"), None);
        assert_eq!(two.to_url(&Value::Str("a b".into())).unwrap(), "a%20b");
    }

    #[test]
    fn ints_are_digits_within_bounds() {
        let c = conv("int", "");
        assert_eq!(c.to_value("42"), Some(Value::Int(42)));
        assert_eq!(c.to_value("-1"), None);
        assert_eq!(c.to_value("4x"), None);
        assert_eq!(c.to_value(""), None);
        assert_eq!(conv("int", "signed=True").to_value("-7"), Some(Value::Int(-7)));
        let bounded = conv("int", "min=1, max=10");
        assert_eq!(bounded.to_value("0"), None);
        assert_eq!(bounded.to_value("10"), Some(Value::Int(10)));
        assert_eq!(bounded.to_value("99999999999999999999999"), None);
        assert_eq!(c.to_value("0099999999999999999999999"), Some(Value::BigInt("99999999999999999999999".into())));
        let fixed = conv("int", "fixed_digits=4");
        assert_eq!(fixed.to_value("0042"), Some(Value::Int(42)));
        assert_eq!(fixed.to_value("42"), None);
        assert_eq!(fixed.to_url(&Value::Int(42)).unwrap(), "0042");
    }

    #[test]
    fn floats_need_a_point() {
        let c = conv("float", "");
        assert_eq!(c.to_value("1.5"), Some(Value::Float(1.5)));
        assert_eq!(c.to_value("1"), None);
        assert_eq!(c.to_value(".5"), None);
        assert_eq!(c.to_value("1e5"), None);
        assert_eq!(conv("float", "signed=True").to_value("-0.5"), Some(Value::Float(-0.5)));
        assert_eq!(conv("float", "max=1").to_value("1.5"), None);
    }

    #[test]
    fn uuids_and_paths() {
        let u = conv("uuid", "");
        assert!(u.to_value("12345678-1234-5678-1234-56781234567A").is_some());
        assert!(u.to_value("12345678123456781234567812345678").is_none());
        let p = conv("path", "");
        assert_eq!(p.to_value("a/b"), Some(Value::Str("a/b".into())));
        assert_eq!(p.to_url(&Value::Str("a b/c".into())).unwrap(), "a%20b/c");
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        assert!(Converter::from_rule("number", "").unwrap_err().contains("unknown converter"));
        assert!(Converter::from_rule("int", "maximum=3").unwrap_err().contains("no option 'maximum'"));
        assert!(Converter::from_rule("int", "3").unwrap_err().contains("key=value"));
        assert!(Converter::from_rule("int", "min=x").unwrap_err().contains("not a number"));
        assert!(Converter::from_rule("string", "length=0").unwrap_err().contains("at least 1"));
        assert!(Converter::from_rule("uuid", "x=1").unwrap_err().contains("no options"));
    }

    #[test]
    fn floats_print_like_python() {
        for (x, text) in [
            (1.0, "1.0"),
            (0.25, "0.25"),
            (1.5, "1.5"),
            (123456.789, "123456.789"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e20, "1.5e+20"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5, "-2.5"),
            (0.1 + 0.2, "0.30000000000000004"),
        ] {
            assert_eq!(python_float_repr(x), text, "{x}");
        }
    }
}
