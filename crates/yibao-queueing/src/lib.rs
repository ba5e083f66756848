//! Counter queueing for the medical-insurance service circle (排队叫号, 潮汐窗口), pure: Erlang C
//! and Erlang A formulas (`erlang`), arrival forecasts from ticket history (`history`,
//! `forecast`), the tidal window planner (`planner`), a discrete-event simulator of a hall's
//! day (`simulate`), a generator of realistic peak days (`generate`) and one call that does a
//! whole station-day for the console and the CLI (`station`).
//!
//! Times are minutes, rates per minute. Nothing here does I/O: text and records come in,
//! serializable values go out.

pub mod erlang;
pub mod forecast;
pub mod generate;
pub mod history;
pub mod planner;
pub mod rng;
pub mod simulate;
pub mod station;

pub use erlang::{
    ErlangA, ErlangAMeasures, ErlangC, ServiceTarget, erlang_a_servers, erlang_b, erlang_c_servers,
};
pub use forecast::{Forecast, ForecastConfig, forecast};
pub use generate::{HallModel, peak_day_date, peak_day_scenario};
pub use history::{History, RowError, TicketRecord};
pub use planner::{Plan, PlanConfig, SlotPlan, StaffingMethod, Window, plan_windows};
pub use simulate::{
    CategorySet, Layout, SimulationConfig, SimulationReport, Ticket, TicketOutcome, WaitSummary,
    simulate, simulate_with_outcomes,
};
pub use station::{
    ChartSeries, ReplaySource, Scenario, StaticSearch, StationDayReport, StationDayRequest,
    best_static_layout, plan_station_day, static_layouts,
};

/// A refused request, with a Chinese message for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueingError {
    #[error("{0}")]
    Invalid(String),
}
