-- Marts: what the app and CLI read; raw tables stay an implementation detail. Marts over data/ alone are tables
-- made here, at build (nothing changes them after it), so a query binds one table rather than a chain of views:
-- that planning was most of a small query's time. Only what reads the imports stays a view (named monitoring*).
create table phases as select * from raw_phases;

create table places as select * from raw_places;

create table place_aliases as
select place_id, alias, lower(trim(alias)) as alias_key, source
from raw_place_aliases;

create table phase_participation as select * from raw_phase_participation;

-- How far each place went: the latest phase it took part in (the map, the typology heatmap, a place's facts).
create table place_furthest_phase as
select place_id, max(phase) as furthest_phase
from phase_participation
where status = 'took_part'
group by place_id;

create table typologies as select * from raw_typologies;

create table activities as select * from raw_activities;

create table activity_typology as select * from raw_activity_typology;

create table place_activity as select * from raw_place_activity;

create table metrics as select * from raw_metrics;

-- Published figures, overlaid by monitoring imports: for each place x period x metric the latest
-- committed, not undone import wins. The import files are bound per connection (pbsa_import_files), with the
-- undone imports whose rows share a compacted segment file with others (pbsa_excluded_imports).
-- Only the store reads this derivation, to materialise the current-monitoring table once per store version
-- (store/current.py); every query reads `monitoring` below.
create view monitoring_from_imports as
with imported as (
    select
        place_id,
        phase,
        period_start,
        period_end,
        'submitted' as period_basis,
        metric,
        value,
        note,
        source,
        import_id,
        import_seq
    from read_parquet(getvariable('pbsa_import_files'))
    where not list_contains(getvariable('pbsa_excluded_imports'), import_id)
),

latest_imported as (
    select *
    from imported
    qualify row_number() over (
        partition by place_id, period_start, period_end, metric order by import_seq desc
    ) = 1
),

published as (
    select r.*, null::varchar as import_id
    from raw_monitoring as r
    where not exists (
        select 1
        from latest_imported as i
        where
            i.place_id = r.place_id
            and i.period_start = r.period_start
            and i.period_end = r.period_end
            and i.metric = r.metric
    )
)

select place_id, phase, period_start, period_end, period_basis, metric, value, note, source, import_id
from published
union all
select place_id, phase, period_start, period_end, period_basis, metric, value, note, source, import_id
from latest_imported;

-- The current monitoring figures: the table materialised from `monitoring_from_imports` once per store version,
-- one Parquet file bound per connection (pbsa_monitoring_file).
create view monitoring as
select place_id, phase, period_start, period_end, period_basis, metric, value, note, source, import_id
from read_parquet(getvariable('pbsa_monitoring_file'));

-- How a place's figures for one metric combine over periods, by the metric's declared rule (metrics.over_time:
-- sum, peak or latest), with how many periods gave a figure, their span and their notes (distinct and ordered:
-- the same text on every run). One struct of aggregates, used inside GROUP BY and unpacked with `.*`.
create macro monitoring_value_by_rule(rule, value, period_end) as
case any_value(rule)
    when 'sum' then sum(value)
    when 'peak' then max(value)
    else arg_max(value, period_end) filter (where value is not null)
end;

create macro monitoring_combination(rule, value, period_start, period_end, note) as
struct_pack(
    value := monitoring_value_by_rule(rule, value, period_end),
    periods_reported := count(value),
    period_start := min(period_start),
    period_end := max(period_end),
    note := string_agg(distinct note, ' ' order by note)
);

-- A rollup of the current table, materialised with it (store/current.py), at four grains:
--   place_phase          each place's figures per metric combined over a whole phase;
--   place_programme      the same over the whole programme (no phase);
--   phase_period         each phase's reporting periods (no place, metric or figures);
--   place_period_import  per place, period and import: how many values it gave (periods_reported), what
--                        reporting completeness grades.
-- A whole-phase or whole-programme view reads the first two instead of combining 1.6 million rows at 10,000
-- places; the third says which phases have figures inside a window without reading the rows; the fourth is a
-- quarter of the rows (one per metric fewer) and already grouped.
create view monitoring_rollup_from_current as
with grouped as (
    select
        case
            when grouping(mo.place_id) = 1 then 'phase_period'
            when grouping(mo.phase) = 1 then 'place_programme'
            else 'place_phase'
        end as grain,
        mo.phase,
        mo.place_id,
        mo.metric,
        monitoring_combination(me.over_time, mo.value, mo.period_start, mo.period_end, mo.note) as combined
    from monitoring as mo
    inner join metrics as me on me.metric = mo.metric
    group by grouping sets (
        (mo.phase, mo.place_id, mo.metric), (mo.place_id, mo.metric), (mo.phase, mo.period_start, mo.period_end)
    )
),

-- Counted over every row, as completeness always has (no rule to apply, so no join to metrics).
place_period_import as (
    select
        'place_period_import' as grain,
        phase,
        place_id,
        null as metric,
        null as value,
        count(value) as periods_reported,
        period_start,
        period_end,
        null as note,
        import_id
    from monitoring
    group by phase, place_id, period_start, period_end, import_id
)

select
    grain,
    phase,
    place_id,
    metric,
    case when grain <> 'phase_period' then combined.value end as value,
    case when grain <> 'phase_period' then combined.periods_reported end as periods_reported,
    combined.period_start as period_start,
    combined.period_end as period_end,
    case when grain <> 'phase_period' then combined.note end as note,
    null as import_id
from grouped
union all
select * from place_period_import
order by grain, phase, place_id, metric, period_start, period_end, import_id;

-- The rollup of the current table, one Parquet file bound per connection (pbsa_monitoring_rollup_file).
create view monitoring_rollup as
-- Parquet keeps the combined value (HUGEINT, as combined from the rows) as DECIMAL(38, 0): cast back.
select
    grain, phase, place_id, metric, value::hugeint as value, periods_reported, period_start, period_end, note,
    import_id
from read_parquet(getvariable('pbsa_monitoring_rollup_file'));

-- The rollup's rows of one grain whose periods lie inside a window, in one phase or all (for_phase null).
create macro monitoring_rollup_window(of_grain, for_phase, window_start, window_end) as table
select *
from monitoring_rollup
where
    grain = of_grain
    and (for_phase is null or phase = for_phase)
    and period_start >= window_start
    and period_end <= window_end;

-- The phases with figures inside a window (all phases, or one).
create macro monitoring_windowed_phases(for_phase, window_start, window_end) as table
select distinct phase
from monitoring_rollup_window('phase_period', for_phase, window_start, window_end);

-- Each place's figures over a period, combined per metric by its declared rule, with how many periods it
-- reported, their span and notes. Shared by the totals, the map and the grid. When every phase asked for lies
-- wholly inside the window the answer is the rollup's; otherwise the rows are combined here.
create macro monitoring_combined(for_phase, window_start, window_end) as table
with phase_spans as (
    select phase, min(period_start) as first_start, max(period_end) as last_end
    from monitoring_rollup
    where grain = 'phase_period' and (for_phase is null or phase = for_phase)
    group by phase
),

rollup_answers as (
    select coalesce(bool_and(first_start >= window_start and last_end <= window_end), false) as whole
    from phase_spans
),

from_rollup as (
    select place_id, metric, value, periods_reported, period_start, period_end, note
    from monitoring_rollup
    where
        (select whole from rollup_answers)
        and grain = case when for_phase is null then 'place_programme' else 'place_phase' end
        and (for_phase is null or phase = for_phase)
),

from_rows as (
    select
        mo.place_id,
        mo.metric,
        monitoring_combination(me.over_time, mo.value, mo.period_start, mo.period_end, mo.note) as combined
    from monitoring as mo
    inner join metrics as me on me.metric = mo.metric
    where
        not (select whole from rollup_answers)
        and (for_phase is null or mo.phase = for_phase)
        and mo.period_start >= window_start
        and mo.period_end <= window_end
    group by mo.place_id, mo.metric
)

select * from from_rollup
union all
select place_id, metric, combined.* from from_rows;

create table monitoring_published_totals as select * from raw_monitoring_published_totals;

-- Outcomes keep the reports' order, which is the order of the file.
create table outcomes as
select *, row_number() over (partition by level order by rowid) as position
from raw_outcomes;

create table enablers as select * from raw_enablers;

create table evidence as
select
    evidence_id,
    place_id,
    phase,
    outcome_id,
    enabler_id,
    typology_id,
    summary,
    source,
    parse_filename(filename, true) as collection
from raw_evidence;

create table conditions as select * from raw_conditions;

-- Phase 1 comes straight from Table 3; Phases 2 and 3 follow activity -> typology -> place
-- in the Phase 2 report's appendix, so the derivation is kept here rather than by hand.
create table place_typology as
with phase1_planned as (
    select place_id, 1 as phase, typology_id, 'planned' as basis, null as via_activities, source
    from raw_table3_planned_typologies
),
activity_typologies_by_place as (
    select
        pa.place_id,
        pa.phase,
        activity_type.typology_id,
        pa.basis,
        string_agg(distinct pa.activity_id, ', ' order by pa.activity_id) as via_activities
    from raw_place_activity as pa
    inner join raw_activity_typology as activity_type on activity_type.activity_id = pa.activity_id
    group by pa.place_id, pa.phase, activity_type.typology_id, pa.basis
),
phase2_and_3_derived as (
    select
        place_id,
        phase,
        typology_id,
        basis,
        via_activities,
        '002_d981b1de428de02d.txt: Appendix (derived: activities ' || via_activities || ')' as source
    from activity_typologies_by_place
)
select * from phase1_planned
union all
select * from phase2_and_3_derived;

-- Places taking part in each phase, with their names: the cohort most comparisons start from.
create table cohort_places as
select pp.phase, pp.place_id, p.place_name, pp.source
from phase_participation as pp
inner join places as p on p.place_id = pp.place_id
where pp.status = 'took_part';

-- Every place that took part, with what the map shows of it apart from monitoring (which imports change): its
-- furthest phase, latest lead organisation and how many evidence records name it; in name order, as the map lists.
create table place_map_points as
with latest_lead as (
    select place_id, arg_max(lead_organisation, phase) as lead_organisation
    from phase_participation
    where status = 'took_part' and lead_organisation is not null
    group by place_id
),

evidence_count as (
    select place_id, count(*) as evidence_records
    from evidence
    where place_id is not null
    group by place_id
)

select
    p.place_id,
    p.place_name,
    p.partnership_name,
    l.lead_organisation,
    p.local_authority,
    p.lad_code,
    p.region,
    p.latitude,
    p.longitude,
    f.furthest_phase,
    coalesce(e.evidence_records, 0) as evidence_records
from places as p
inner join place_furthest_phase as f on f.place_id = p.place_id
left join latest_lead as l on l.place_id = p.place_id
left join evidence_count as e on e.place_id = p.place_id
order by p.place_name, p.place_id;

-- Each phase's places with what /typology orders them by: how far each went, how many of the nine typologies it is
-- marked with in that phase, and its profile (one character per typology in the typologies' order: 1 marked).
-- Marks are gathered per place as a list, not laid over a place x typology grid (three times faster at scale).
create table place_typology_profiles as
with marks as (
    select pt.phase, pt.place_id, list(distinct t.position) as positions
    from place_typology as pt
    inner join typologies as t on t.typology_id = pt.typology_id
    group by pt.phase, pt.place_id
),

slots as (
    select list(position order by position) as positions
    from typologies
)

select
    c.phase,
    c.place_id,
    c.place_name,
    f.furthest_phase,
    coalesce(len(m.positions), 0) as typologies_marked,
    array_to_string(
        list_transform(s.positions, lambda slot: if(list_contains(coalesce(m.positions, []), slot), '1', '0')), ''
    ) as profile
from cohort_places as c
cross join slots as s
inner join place_furthest_phase as f on f.place_id = c.place_id
left join marks as m on m.phase = c.phase and m.place_id = c.place_id
order by c.phase, c.place_name, c.place_id;

-- Per cohort (the places of one phase) x phase x typology: how many of the cohort's places marked the typology in
-- that phase (places) and how many of them took part in that phase (cohort); every typology of every phase the
-- cohort took part in has a row.
create table cohort_typology_shift as
with phases_of_cohort as (
    select c.phase as cohort_phase, c.place_id, pp.phase
    from cohort_places as c
    inner join phase_participation as pp on pp.place_id = c.place_id and pp.status = 'took_part'
),

cohort_size as (
    select cohort_phase, phase, count(distinct place_id) as cohort
    from phases_of_cohort
    group by cohort_phase, phase
),

marks as (
    select pc.cohort_phase, pc.phase, pt.typology_id, count(*) as places
    from phases_of_cohort as pc
    inner join place_typology as pt on pt.place_id = pc.place_id and pt.phase = pc.phase
    group by pc.cohort_phase, pc.phase, pt.typology_id
)

select
    cs.cohort_phase,
    cs.phase,
    t.typology_id,
    t.name as typology_name,
    t.position as typology_position,
    coalesce(m.places, 0) as places,
    cs.cohort
from cohort_size as cs
cross join typologies as t
left join marks as m on m.cohort_phase = cs.cohort_phase and m.phase = cs.phase and m.typology_id = t.typology_id
order by cs.cohort_phase, cs.phase, t.typology_id;

create table sources as select * from raw_sources;

create table caveats as select * from raw_caveats;

-- Places x reporting periods inside a window, each graded: what reporting completeness shows (the grid), counts
-- per period and status, and counts per place and status. Quarterly returns: every quarter from a phase's first
-- to its last quarterly return is expected from each place of that phase; any other period a place holds figures
-- for (e.g. the published ones) is shown too. A quarterly return is late when it was received more than due_days
-- after its quarter ended (each import's received date given as received_import_ids / received_dates); missing
-- when none came by then.
-- It reads what is materialised with the current table (the rollup): each phase's periods (phase_period, a few
-- dozen rows, so a period is tagged as a quarter once) and the (place x period x import) counts
-- (place_period_import), never the rows.
create macro monitoring_reporting_grid(
    for_phase, window_start, window_end, due_days, received_import_ids, received_dates
) as table
with periods as (
    select
        phase,
        period_start,
        period_end,
        date_trunc('quarter', period_start)::date as quarter_start,
        period_end = (date_trunc('quarter', period_start)::date + interval 3 month - interval 1 day)::date
        and period_start = date_trunc('quarter', period_start)::date as is_quarter
    from monitoring_rollup_window('phase_period', for_phase, window_start, window_end)
),

windowed as (
    select
        place_id,
        phase,
        period_start,
        period_end,
        import_id,
        periods_reported as values_given
    from monitoring_rollup_window('place_period_import', for_phase, window_start, window_end)
),

received as (
    select
        unnest(received_import_ids::varchar []) as import_id,
        unnest(received_dates::date []) as received_on
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
        max(r.received_on) as received_on
    from windowed as w
    left join received as r on r.import_id = w.import_id
    -- distinct: one row per place to build the semi join on, not one per place x period (30% faster at scale)
    where w.place_id in (select distinct place_id from expected)
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
        case when e.quarterly then (e.period_end + to_days(due_days))::date end as due_on
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
from graded;

-- For places in both phases: each typology kept, added, dropped or absent between the two; 'no data' where the
-- sources give no typology for the place in one of the phases (missing is not dropped). Read a page at a time
-- (typology_change) and counted per place (typology_change_places).
create macro typology_change_grid(from_phase, to_phase) as table
with in_both as (
    select a.place_id
    from phase_participation as a
    inner join phase_participation as b on b.place_id = a.place_id
    where a.phase = from_phase and a.status = 'took_part' and b.phase = to_phase and b.status = 'took_part'
),

-- distinct: a typology can be marked on two bases (planned and delivered) and is one typology.
before as (
    select distinct place_id, typology_id from place_typology where phase = from_phase
),

after as (
    select distinct place_id, typology_id from place_typology where phase = to_phase
),

known_before as (
    select distinct place_id from before
),

known_after as (
    select distinct place_id from after
)

select
    i.place_id,
    p.place_name,
    t.typology_id,
    t.name as typology_name,
    t.position as typology_position,
    case
        when kb.place_id is null or ka.place_id is null then 'no data'
        when b.place_id is not null and a.place_id is not null then 'kept'
        when a.place_id is not null then 'added'
        when b.place_id is not null then 'dropped'
        else 'absent'
    end as change,
    case
        when kb.place_id is null then from_phase
        when ka.place_id is null then to_phase
    end as missing_phase
from in_both as i
inner join places as p on p.place_id = i.place_id
cross join typologies as t
left join known_before as kb on kb.place_id = i.place_id
left join known_after as ka on ka.place_id = i.place_id
left join before as b on b.place_id = i.place_id and b.typology_id = t.typology_id
left join after as a on a.place_id = i.place_id and a.typology_id = t.typology_id;
