//! The demo's counter: business categories, windows and appointment calendars for the
//! 尚庄镇 station, a window clerk account, yesterday's ticket history (generated: arrivals with
//! a mid-day shift from enrolment and payment towards reimbursements, served through the real
//! call order and stored through the real store functions) and a few residents waiting now.

use anyhow::{Result, anyhow};
use chrono::{Duration, NaiveTime, TimeZone, Utc};
use yibao_domain::ticket::{self, CallPolicy, CallReason, QueuedTicket};
use yibao_domain::{CategoryPrefix, RegionCode, TicketNumber};
use yibao_queueing::HallModel;
use yibao_store::{AuditEntry, Claim, NewTicket, Role, Store, TicketMove};
use yibao_web::app::{self, Actor};

/// The station the counter demo runs at.
pub const STATION: &str = "320903105-ST";

/// The district hall whose counter shows the tidal planner at a payment-season peak.
pub const HALL: &str = "320903-HALL";

/// The window clerk account the demo prints.
pub const CLERK: (&str, &str, &str) = ("chuangkou", "Chuangkou2026", "尚庄镇 1 号窗口");

const CATEGORIES: [(&str, &str); 5] = [
    ("A", "参保登记"),
    ("B", "医保缴费"),
    ("C", "零星报销"),
    ("D", "异地就医备案"),
    ("E", "门诊慢特病"),
];

const WINDOWS: [(i64, &str, &[&str]); 5] = [
    (1, "1 号窗口", &["A", "B"]),
    (2, "2 号窗口", &["B", "A"]),
    (3, "3 号窗口", &["C", "E"]),
    (4, "4 号窗口", &["D", "C"]),
    (5, "5 号绿色通道窗口", &["A", "B", "C", "D", "E"]),
];

/// Mean handling minutes per category.
const HANDLING: [f64; 5] = [6.0, 3.0, 9.0, 5.0, 12.0];

/// A small deterministic generator (the demo is identical on every run).
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }
}

/// Seeds the counter demo and prints its accounts and pages.
pub async fn seed(store: &Store) -> Result<()> {
    let system = Actor::system();
    let ui = |e: yibao_web::error::ApiError| anyhow!(e.message);
    for (position, (prefix, name)) in CATEGORIES.iter().enumerate() {
        app::counter::set_category(store, &system, STATION, prefix, name, position as i64)
            .await
            .map_err(ui)?;
    }
    let mut windows = Vec::new();
    for (number, name, categories) in WINDOWS {
        let categories: Vec<String> = categories.iter().map(|c| (*c).to_owned()).collect();
        let window =
            app::counter::create_window(store, &system, STATION, number, name, &categories)
                .await
                .map_err(ui)?;
        windows.push(window);
    }
    for prefix in ["A", "E"] {
        // Weekday service straight through noon and Saturday mornings (周末预约办, 午间不间断).
        app::counter::set_calendar(
            store,
            &system,
            STATION,
            prefix,
            "1-5 08:30-17:30; 6 09:00-12:00",
            30,
            4,
        )
        .await
        .map_err(ui)?;
    }
    let input = app::users::UserInput {
        username: CLERK.0.into(),
        display_name: CLERK.2.into(),
        role: Role::TownStation,
        region_scope: Some(RegionCode::parse("320903105")?),
        station_code: Some(STATION.into()),
        password: CLERK.1.into(),
    };
    app::users::create(store, &system, &input)
        .await
        .map_err(ui)?;

    let tickets = history(store, &windows).await?;
    let imported = imported_history(store).await?;
    let hall_tickets = county_hall(store).await?;

    // A few residents waiting now, so the board and the kiosk are not empty.
    for (category, green) in [("A", false), ("C", false), ("A", true), ("B", false)] {
        let request = app::counter::KioskRequest {
            category: category.into(),
            disability: green,
            ..Default::default()
        };
        app::counter::issue(store, STATION, &request, None)
            .await
            .map_err(ui)?;
    }
    println!(
        "排队叫号演示：尚庄镇服务站 {} 个窗口，昨日 {tickets} 张号票，此前 {imported} 张历史号票；\
         窗口工作人员 {} 密码 {}；取号机 /counter/{STATION}/kiosk，大厅显示屏 \
         /counter/{STATION}/board，潮汐窗口排班 /counter/{STATION}/plan；\
         区政务服务中心医保大厅 12 个窗口、{hall_tickets} 张历史号票（缴费期高峰），\
         潮汐窗口排班 /counter/{HALL}/plan",
        windows.len(),
        CLERK.0,
        CLERK.1
    );
    Ok(())
}

/// The district's medical-insurance hall in the payment season: the benchmarks' hall model
/// as it is (five categories, twelve windows: four comprehensive, four front, four back) with
/// eight weeks of history up to yesterday, so its tidal planner has room to move windows.
/// Returns the number of historical tickets.
async fn county_hall(store: &Store) -> Result<usize> {
    let system = Actor::system();
    let ui = |e: yibao_web::error::ApiError| anyhow!(e.message);
    let model = HallModel::payment_season_hall();
    let prefixes: Vec<String> = ["A", "B", "C", "D", "E"]
        .iter()
        .take(model.categories.len())
        .map(|p| (*p).to_owned())
        .collect();
    for (position, category) in model.categories.iter().enumerate() {
        app::counter::set_category(
            store,
            &system,
            HALL,
            &prefixes[position],
            &category.name,
            position as i64,
        )
        .await
        .map_err(ui)?;
    }
    for (index, window) in model.payment_season_windows().iter().enumerate() {
        let serves: Vec<String> = window.skills.iter().map(|c| prefixes[c].clone()).collect();
        let number = index as i64 + 1;
        app::counter::create_window(store, &system, HALL, number, &window.name, &serves)
            .await
            .map_err(ui)?;
    }
    let today = app::counter::today();
    let history = model.generate_history(
        today - Duration::days(56),
        today - Duration::days(1),
        0x4a11_2026,
    );
    let station = store
        .get_station(HALL)
        .await?
        .ok_or_else(|| anyhow!("demo station {HALL} missing"))?;
    let summary = app::counter_plan::import_records(store, &system, &station, &history, &prefixes)
        .await
        .map_err(ui)?;
    Ok(summary.tickets)
}

/// Eight weeks of history before yesterday, as if imported from the station's previous queue
/// system: the benchmarks' payment-season hall model with the demo's categories and volumes
/// scaled to a town station with five windows. Returns the number of tickets.
async fn imported_history(store: &Store) -> Result<usize> {
    let mut model = HallModel::payment_season_hall();
    // The model's categories in the demo's order A–E; 门诊慢特病 takes the enquiry desk's
    // shape with longer handling.
    let order = ["参保登记", "缴费", "零星报销", "异地就医备案", "咨询"];
    let mut categories = Vec::new();
    for (index, name) in order.iter().enumerate() {
        let mut category = model
            .categories
            .iter()
            .find(|c| c.name == *name)
            .cloned()
            .ok_or_else(|| anyhow!("hall model lacks {name}"))?;
        category.name = CATEGORIES[index].1.to_owned();
        category.base_daily *= 0.4;
        if index == 4 {
            category.mean_service_min = HANDLING[4];
            category.base_daily *= 0.3;
        }
        categories.push(category);
    }
    model.categories = categories;
    let today = app::counter::today();
    let history = model.generate_history(
        today - Duration::days(57),
        today - Duration::days(2),
        0x0d15_7a1c,
    );
    let station = store
        .get_station(STATION)
        .await?
        .ok_or_else(|| anyhow!("demo station {STATION} missing"))?;
    let prefixes: Vec<String> = CATEGORIES.iter().map(|(p, _)| (*p).to_owned()).collect();
    let summary =
        app::counter_plan::import_records(store, &Actor::system(), &station, &history, &prefixes)
            .await
            .map_err(|e| anyhow!(e.message))?;
    Ok(summary.tickets)
}

/// Yesterday 08:30–17:30: arrivals per category whose mix shifts at noon, served by the five
/// windows in the real call order. Returns the number of tickets.
async fn history(store: &Store, windows: &[yibao_store::CounterWindow]) -> Result<usize> {
    let today = app::counter::today();
    let day = today - Duration::days(1);
    let day_text = day.format("%Y-%m-%d").to_string();
    let china = ticket::china();
    let at = |minutes: f64| {
        let start = china
            .from_local_datetime(&day.and_time(NaiveTime::from_hms_opt(8, 30, 0).expect("time")))
            .single()
            .expect("no DST in China")
            .with_timezone(&Utc);
        let micros = (minutes * 60_000_000.0).round() as i64;
        start + Duration::microseconds(micros)
    };
    // Arrivals per hour: the morning is enrolment and payment, the afternoon reimbursements.
    let morning = [14.0, 12.0, 5.0, 3.0, 2.0];
    let afternoon = [5.0, 5.0, 11.0, 5.0, 4.0];
    let mut rng = Rng(0x5eed_c0de_2026);
    let mut arrivals: Vec<(f64, usize, bool)> = Vec::new();
    for (index, _) in CATEGORIES.iter().enumerate() {
        let mut minute = 0.0;
        loop {
            let rate = if minute < 210.0 {
                morning[index]
            } else {
                afternoon[index]
            };
            minute += rng.exponential(60.0 / rate);
            if minute >= 510.0 {
                break;
            }
            arrivals.push((minute, index, rng.unit() < 0.12));
        }
    }
    arrivals.sort_by(|a, b| a.0.total_cmp(&b.0));

    let policy = CallPolicy::default();
    let mut free_at: Vec<f64> = vec![0.0; windows.len()];
    let mut reasons: Vec<Vec<CallReason>> = vec![Vec::new(); windows.len()];
    let mut queue: Vec<QueuedTicket> = Vec::new();
    let mut next_arrival = 0;
    let clerks = [
        "chuangkou",
        "shangzhuang",
        "shangzhuang",
        "shangzhuang",
        "shangzhuang",
    ];
    let audit = |action: &str| AuditEntry::new("system", action, "ticket", "demo");
    loop {
        let (window_index, mut now) = free_at
            .iter()
            .copied()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("windows");
        if now >= 540.0 {
            break;
        }
        while next_arrival < arrivals.len() && arrivals[next_arrival].0 <= now {
            let (minute, category, green) = arrivals[next_arrival];
            let new = NewTicket {
                station_code: STATION.into(),
                prefix: CATEGORIES[category].0.into(),
                day: day_text.clone(),
                green_reason: green.then(|| "elderly".to_owned()),
                appointment_id: None,
                slot_start: None,
                at: at(minute),
            };
            let issued = store
                .issue_ticket(&new, &audit("counter.ticket.issue"))
                .await?;
            let (id, number) = (issued.id, issued.number);
            queue.push(QueuedTicket {
                id,
                number: TicketNumber::parse(&number)?,
                category: CategoryPrefix::parse(CATEGORIES[category].0)?,
                queued_at: at(minute),
                green,
                slot_start: None,
            });
            next_arrival += 1;
        }
        let window = &windows[window_index];
        let categories: Vec<CategoryPrefix> = window
            .categories
            .iter()
            .map(|c| CategoryPrefix::parse(c))
            .collect::<Result<_, _>>()?;
        let recent: Vec<CallReason> = reasons[window_index].iter().rev().copied().collect();
        let picked = ticket::pick_next(
            &queue,
            &categories,
            ticket::green_streak(&recent),
            at(now),
            &policy,
        );
        let Some((index, reason)) = picked else {
            // Idle until the next arrival (or close).
            free_at[window_index] = arrivals
                .get(next_arrival)
                .map(|a| a.0.max(now + 0.1))
                .unwrap_or(600.0);
            continue;
        };
        let chosen = queue.remove(index);
        reasons[window_index].push(reason);
        let claim = Claim {
            ticket_id: chosen.id,
            window_id: window.id,
            window_number: window.number,
            clerk: clerks[window_index].into(),
            reason: reason.as_str().into(),
            at: at(now),
        };
        let mut ticket = store
            .claim_ticket(&claim, &audit("counter.ticket.call"))
            .await?
            .ok_or_else(|| anyhow!("demo ticket already called"))?;
        let category = CATEGORIES
            .iter()
            .position(|(p, _)| *p == chosen.category.to_string())
            .unwrap_or(0);
        if rng.unit() < 0.05 {
            now += 2.0;
            store
                .move_ticket(
                    &ticket,
                    "no_show",
                    &TicketMove::NoShow,
                    at(now),
                    &audit("counter.ticket.no_show"),
                )
                .await?;
        } else {
            now += 0.5;
            store
                .move_ticket(
                    &ticket,
                    "serving",
                    &TicketMove::Serve,
                    at(now),
                    &audit("counter.ticket.serve"),
                )
                .await?;
            ticket.status = "serving".into();
            now += rng.exponential(HANDLING[category]).clamp(1.0, 45.0);
            store
                .move_ticket(
                    &ticket,
                    "finished",
                    &TicketMove::Finish,
                    at(now),
                    &audit("counter.ticket.finish"),
                )
                .await?;
        }
        free_at[window_index] = now + 0.3;
    }
    Ok(next_arrival)
}
