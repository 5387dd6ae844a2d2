-- Places x reporting periods inside a period: quarterly returns (every quarter from a phase's first to its last
-- quarterly return is expected from each place of that phase) and any other period a place holds figures for
-- (e.g. the published ones). A quarterly return is late when it was received more than $due_days after its quarter ended
-- (received dates per import are bound as $received_ids / $received_on); missing when none came by then.
-- Everything below reads what is materialised with the current table (the rollup): each phase's periods
-- (phase_period, a few dozen rows, so a period is tagged as a quarter once) and the (place x period x import)
-- counts (place_period_import), never the rows.
with periods as (
    select
        phase,
        period_start,
        period_end,
        date_trunc('quarter', period_start)::date as quarter_start,
        period_end = (date_trunc('quarter', period_start)::date + interval 3 month - interval 1 day)::date
        and period_start = date_trunc('quarter', period_start)::date as is_quarter
    from monitoring_rollup_window('phase_period', $phase, $window_start, $window_end)
),

windowed as (
    select
        place_id,
        phase,
        period_start,
        period_end,
        import_id,
        periods_reported as values_given,
        imported_rows
    from monitoring_rollup_window('place_period_import', $phase, $window_start, $window_end)
),

received as (
    select
        unnest($received_ids::varchar []) as import_id,
        unnest($received_on::date []) as received_on
),

quarter_span as (
    select phase, min(quarter_start) as first_quarter, max(quarter_start) as last_quarter
    from periods
    where is_quarter
    group by phase
),

expected_quarters as (
    select qs.phase, q.quarter_start::date as period_start, (q.quarter_start + interval 3 month - interval 1 day)::date as period_end
    from quarter_span as qs
    cross join lateral (
        select unnest(generate_series(qs.first_quarter, qs.last_quarter, interval 3 month)) as quarter_start
    ) as q
),

other_periods as (
    select distinct w.place_id, p.place_name, w.phase, w.period_start, w.period_end
    from windowed as w
    inner join periods as pe
        on pe.phase = w.phase and pe.period_start = w.period_start and pe.period_end = w.period_end
    inner join places as p on p.place_id = w.place_id
    where not pe.is_quarter
),

expected as (
    select cp.place_id, cp.place_name, e.phase, e.period_start, e.period_end, true as quarterly
    from expected_quarters as e
    inner join cohort_places as cp on cp.phase = e.phase
    union all
    select place_id, place_name, phase, period_start, period_end, false as quarterly
    from other_periods
),

-- Only places that are expected to report something: figures of any other place are never shown.
reported as (
    select
        w.place_id,
        w.period_start,
        w.period_end,
        sum(w.values_given)::bigint as metrics_reported,
        sum(w.imported_rows)::bigint as imported_rows,
        max(r.received_on) as received_on
    from windowed as w
    left join received as r on r.import_id = w.import_id
    where w.place_id in (select place_id from expected)
    group by w.place_id, w.period_start, w.period_end
),

metric_count as (
    select count(*) as metrics from metrics
),

graded as (
    select
        e.place_id,
        e.place_name,
        e.phase,
        e.period_start,
        e.period_end,
        e.quarterly,
        coalesce(r.metrics_reported, 0) as metrics_reported,
        mc.metrics,
        r.received_on,
        case when e.quarterly then (e.period_end + to_days($due_days))::date end as due_on
    from expected as e
    cross join metric_count as mc
    left join reported as r
        on r.place_id = e.place_id and r.period_start = e.period_start and r.period_end = e.period_end
)

select
    *,
    coalesce(received_on > due_on, false) as late,
    case
        when metrics_reported = 0 and due_on > current_date then 'not yet due'
        when metrics_reported = 0 then 'missing'
        when metrics_reported < metrics then 'partial'
        when received_on > due_on then 'late'
        when quarterly then 'on time'
        else 'reported'
    end as status
from graded
-- Ties (a place expected in two phases for one quarter) broken the same way on every run.
order by period_start, place_name, phase, place_id, period_end
