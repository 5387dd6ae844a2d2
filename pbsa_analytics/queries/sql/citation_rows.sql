-- The source cells (and import ids) of the rows behind a figure, by scope; $phase = null means every phase.
with scoped as (
    select 'participation' as scope, phase, source, null::varchar as import_id
    from phase_participation
    where status = 'took_part'
    union all
    select 'phases', phase, source, null from phases
    union all
    select 'monitoring', phase, source, import_id from monitoring
    union all
    select 'published_totals', phase, source, null from monitoring_published_totals
    union all
    select 'places', null, source, null from places
    union all
    select 'place_typology', phase, source, null from place_typology
)

select distinct source, import_id
from scoped
where scope = $scope and ($phase is null or phase is null or phase = $phase)
order by source, import_id
