-- The typology change grid (typology_change_grid) for $count of the places in both phases from the $first (0-based)
-- in name order ($count null: every place). Scoping pages an anonymised view itself, from its labels
-- (services/scoping.py): a page cut here by real names would tell which labels come first.
with grid as (
    select *
    from typology_change_grid($from_phase, $to_phase)
),

page as (
    select distinct place_id, place_name
    from grid
    order by place_name, place_id
    limit $count offset $first
)

select g.*
from grid as g
semi join page as pg on pg.place_id = g.place_id
order by g.place_name, g.place_id, g.typology_position
