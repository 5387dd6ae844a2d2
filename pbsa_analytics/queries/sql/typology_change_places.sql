-- One row per place in both phases: how many typologies it kept, added and dropped, or which phase the sources give
-- it no typology for (missing_phase; then nothing is counted as kept, added or dropped).
select
    place_id,
    place_name,
    count(*) filter (where change = 'kept') as kept,
    count(*) filter (where change = 'added') as added,
    count(*) filter (where change = 'dropped') as dropped,
    max(missing_phase) as missing_phase
from typology_change_grid($from_phase, $to_phase)
group by place_id, place_name
order by place_name, place_id
