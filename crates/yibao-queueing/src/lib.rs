//! Counter queueing for the medical-insurance service circle (排队叫号, 潮汐窗口), pure: Erlang C
//! and Erlang A formulas, arrival forecasts from ticket history, the tidal window planner, a
//! discrete-event simulator of a hall's day and a generator of realistic peak days.

pub mod erlang;
pub mod rng;
pub mod simulate;

pub use erlang::{
    ErlangA, ErlangAMeasures, ErlangC, ServiceTarget, erlang_a_servers, erlang_b, erlang_c_servers,
};
pub use simulate::{
    CategorySet, Layout, SimulationConfig, SimulationReport, Ticket, WaitSummary, simulate,
};
