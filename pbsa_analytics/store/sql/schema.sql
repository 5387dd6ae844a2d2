-- Raw tables: one per file in data/, typed and constrained so a bad file fails the build.
create table raw_phases (
    phase integer primary key check (phase between 1 and 3),
    name varchar not null,
    start_date date,
    end_date date,
    max_grant_gbp integer check (max_grant_gbp >= 0),
    places_funded integer check (places_funded >= 0),
    description varchar,
    source varchar not null,
    check (end_date is null or start_date is null or end_date >= start_date)
);

create table raw_places (
    place_id varchar primary key check (regexp_full_match(place_id, '[a-z][a-z0-9_]*')),
    place_name varchar not null,
    partnership_name varchar,
    local_authority varchar,
    lad_code varchar check (lad_code is null or regexp_full_match(lad_code, 'E0[6-9][0-9]{6}')),
    lad_year integer,
    region varchar check (region is null or region in (
        'North East', 'North West', 'Yorkshire and The Humber', 'East Midlands', 'West Midlands',
        'East of England', 'London', 'South East', 'South West')),
    latitude double check (latitude is null or latitude between 49.8 and 55.9),
    longitude double check (longitude is null or longitude between -6.5 and 1.8),
    scale varchar check (scale is null or scale in ('neighbourhood', 'ward', 'town_city_borough')),
    summary varchar,
    source varchar not null,
    location_source varchar
);

create table raw_place_aliases (
    place_id varchar not null references raw_places (place_id),
    alias varchar not null,
    source varchar not null,
    primary key (place_id, alias)
);

create table raw_phase_participation (
    place_id varchar not null references raw_places (place_id),
    phase integer not null references raw_phases (phase),
    status varchar not null check (status in ('took_part', 'not_selected', 'not_progressed', 'withdrew')),
    lead_organisation varchar,
    note varchar,
    source varchar not null,
    primary key (place_id, phase)
);

create table raw_typologies (
    typology_id varchar primary key,
    name varchar not null,
    description varchar,
    position integer not null,
    source varchar not null
);

create table raw_table3_planned_typologies (
    place_id varchar not null references raw_places (place_id),
    table_row_label varchar not null,
    typology_id varchar not null references raw_typologies (typology_id),
    source varchar not null,
    primary key (place_id, typology_id)
);

create table raw_activities (
    activity_id varchar primary key,
    name varchar not null,
    position integer not null,
    source varchar not null
);

create table raw_activity_typology (
    activity_id varchar not null references raw_activities (activity_id),
    typology_id varchar not null references raw_typologies (typology_id),
    source varchar not null,
    primary key (activity_id, typology_id)
);

create table raw_place_activity (
    place_id varchar not null references raw_places (place_id),
    phase integer not null references raw_phases (phase),
    activity_id varchar not null references raw_activities (activity_id),
    basis varchar not null check (basis in ('planned', 'delivered')),
    source varchar not null,
    primary key (place_id, phase, activity_id)
);

create table raw_metrics (
    metric varchar primary key,
    label varchar not null,
    definition varchar not null,
    unit varchar not null,
    measures varchar not null check (measures in ('people_in_period', 'events_in_period')),
    over_time varchar not null check (over_time in ('sum', 'latest', 'peak')),
    -- A count of people is not summed over periods (the same people recur); a count of events is.
    check (measures = 'events_in_period' or over_time <> 'sum'),
    position integer not null,
    source varchar not null
);

create table raw_monitoring (
    place_id varchar not null references raw_places (place_id),
    phase integer not null references raw_phases (phase),
    period_start date not null,
    period_end date not null,
    period_basis varchar not null check (period_basis in ('stated', 'report_coverage')),
    metric varchar not null references raw_metrics (metric),
    value bigint check (value is null or value >= 0),
    note varchar,
    source varchar not null,
    primary key (place_id, phase, period_start, period_end, metric),
    check (period_end >= period_start)
);

create table raw_monitoring_published_totals (
    phase integer not null references raw_phases (phase),
    metric varchar not null references raw_metrics (metric),
    value bigint not null,
    partnerships_reporting integer,
    note varchar,
    source varchar not null,
    primary key (phase, metric)
);

create table raw_outcomes (
    outcome_id varchar primary key,
    level varchar not null check (level in ('place', 'programme')),
    title varchar not null,
    short_title varchar not null,
    statement varchar not null,
    description varchar,
    known_summary varchar,
    not_yet_known_summary varchar,
    source varchar not null
);

create table raw_enablers (
    enabler_id varchar primary key,
    name varchar not null,
    description varchar,
    source varchar not null
);

create table raw_evidence (
    evidence_id varchar primary key,
    place_id varchar references raw_places (place_id),
    phase integer references raw_phases (phase),
    outcome_id varchar references raw_outcomes (outcome_id),
    enabler_id varchar references raw_enablers (enabler_id),
    typology_id varchar references raw_typologies (typology_id),
    summary varchar not null,
    source varchar not null,
    filename varchar not null
);

create table raw_conditions (
    condition_id varchar primary key,
    framework varchar not null check (framework in ('nef_e1_checklist', 'esa_workshop')),
    group_name varchar check (group_name is null or group_name in ('mission', 'resources', 'relationships')),
    position integer not null,
    text varchar not null,
    source varchar not null
);

-- The documents that `source` cells cite (by file name or document id), and data caveats with their sources.
create table raw_sources (
    document_id varchar primary key check (regexp_full_match(document_id, '[a-z][a-z0-9_]*')),
    file_name varchar unique,
    author varchar not null,
    title varchar not null,
    short_title varchar not null,
    year integer check (year is null or year between 1990 and 2100),
    kind varchar not null check (kind in ('report', 'project', 'dataset')),
    source varchar not null
);

create table raw_caveats (
    caveat_id varchar primary key check (regexp_full_match(caveat_id, '[a-z][a-z0-9_]*')),
    text varchar not null,
    source varchar not null
);
