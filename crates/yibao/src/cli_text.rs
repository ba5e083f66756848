//! The command line's own words in Chinese: clap writes its help headings, built-in flags and
//! parse errors in English, so help is rendered through [`localize`] and errors are worded here
//! from the error's kind and context ([`report`]).

use std::error::Error as _;
use std::io::Write as _;

use clap::error::{ContextKind, ContextValue, Error, ErrorKind};

/// clap's English fragments in rendered help and usage, longest first where one contains
/// another.
const FRAGMENTS: [(&str, &str); 16] = [
    (
        "Print this message or the help of the given subcommand(s)",
        "显示本帮助或指定子命令的帮助",
    ),
    (
        "Print help (see a summary with '-h')",
        "显示帮助（-h 只显示摘要）",
    ),
    (
        "Print help (see more with '--help')",
        "显示帮助（--help 显示详情）",
    ),
    ("Print help", "显示帮助"),
    ("Print version", "显示版本号"),
    ("Usage: ", "用法："),
    ("Commands:", "命令："),
    ("Options:", "选项："),
    ("Arguments:", "参数："),
    ("[default: ", "[默认："),
    ("[env: ", "[环境变量："),
    ("[possible values: ", "[可选值："),
    ("[aliases: ", "[别名："),
    ("[OPTIONS]", "[选项]"),
    ("<COMMAND>", "<命令>"),
    ("[COMMAND]", "[命令]"),
];

/// Help or usage text as clap renders it, with clap's own words in Chinese.
pub fn localize(text: &str) -> String {
    FRAGMENTS
        .iter()
        .fold(text.to_owned(), |text, (english, chinese)| {
            text.replace(english, chinese)
        })
}

/// Prints a parse outcome clap reports as an error (help and version requests included) and
/// returns the exit code: 0 for help and version, 2 for a mistake on the command line.
pub fn report(error: &Error) -> i32 {
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // A closed pipe (`yibao --help | head`) is no error worth a panic.
            let _ = write!(
                std::io::stdout(),
                "{}",
                localize(&error.render().to_string())
            );
            0
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{}", localize(&error.render().to_string()));
            2
        }
        _ => {
            eprintln!("错误：{}", describe(error));
            if let Some(ContextValue::StyledStr(usage)) = error.get(ContextKind::Usage) {
                eprintln!("\n{}", localize(&usage.to_string()));
            }
            eprintln!("\n加 --help 查看全部选项。");
            2
        }
    }
}

/// One context value as text (lists joined by 、).
fn context(error: &Error, kind: ContextKind) -> Option<String> {
    match error.get(kind)? {
        ContextValue::String(text) => Some(text.clone()),
        ContextValue::Strings(texts) => Some(texts.join("、")),
        ContextValue::StyledStr(text) => Some(text.to_string()),
        ContextValue::StyledStrs(texts) => Some(
            texts
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("、"),
        ),
        ContextValue::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// The mistake in one Chinese sentence.
fn describe(error: &Error) -> String {
    let arg = context(error, ContextKind::InvalidArg).unwrap_or_default();
    let value = context(error, ContextKind::InvalidValue).unwrap_or_default();
    let suggestion = |kind: ContextKind| match error.get(kind) {
        Some(ContextValue::Strings(names)) if names.len() > 1 => {
            format!("；相近的有：“{}”", names.join("”、“"))
        }
        Some(_) => context(error, kind)
            .map(|name| format!("；是否想用“{name}”？"))
            .unwrap_or_default(),
        None => String::new(),
    };
    match error.kind() {
        ErrorKind::UnknownArgument => {
            format!(
                "无法识别的选项“{arg}”{}",
                suggestion(ContextKind::SuggestedArg)
            )
        }
        ErrorKind::InvalidSubcommand => {
            let name = context(error, ContextKind::InvalidSubcommand).unwrap_or_default();
            format!(
                "没有“{name}”这个命令{}",
                suggestion(ContextKind::SuggestedSubcommand)
            )
        }
        ErrorKind::InvalidValue if value.is_empty() => format!("选项 {arg} 需要一个值"),
        ErrorKind::InvalidValue => {
            let allowed = context(error, ContextKind::ValidValue)
                .map(|values| format!("，可选值：{values}"))
                .unwrap_or_default();
            format!("选项 {arg} 的值“{value}”无效{allowed}")
        }
        ErrorKind::ValueValidation => {
            let reason = error
                .source()
                .map(|source| reason(&source.to_string()))
                .unwrap_or_default();
            format!("选项 {arg} 的值“{value}”无效{reason}")
        }
        ErrorKind::MissingRequiredArgument => format!("缺少必需的选项：{arg}"),
        ErrorKind::MissingSubcommand => "缺少子命令".to_owned(),
        ErrorKind::ArgumentConflict => {
            let prior = context(error, ContextKind::PriorArg).unwrap_or_default();
            if prior == arg {
                format!("选项 {arg} 只能给出一次")
            } else {
                format!("选项 {arg} 不能与 {prior} 同时使用")
            }
        }
        ErrorKind::TooManyValues => format!("选项 {arg} 的值过多：“{value}”"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("选项 {arg} 的值个数不对")
        }
        ErrorKind::NoEquals => format!("选项 {arg} 的值须用等号给出（{arg}=值）"),
        ErrorKind::InvalidUtf8 => "命令行参数不是有效的 UTF-8 文本".to_owned(),
        _ => "命令行参数有误".to_owned(),
    }
}

/// Why a typed value failed to parse, for the standard number parsers' messages; any other
/// message (the project's own checks word theirs in Chinese) is kept as it is.
fn reason(message: &str) -> String {
    let reason = match message {
        "invalid digit found in string" => "不是整数",
        "cannot parse integer from empty string" | "cannot parse float from empty string" => "为空",
        "number too large to fit in target type" => "超出范围（过大）",
        "number too small to fit in target type" => "超出范围（过小）",
        "invalid float literal" => "不是数字",
        other => return format!("：{other}"),
    };
    format!("：{reason}")
}
