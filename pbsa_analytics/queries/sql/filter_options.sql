-- Ids and labels for the evidence filters, one kind per row group.
select 'place' as kind, place_id as id, place_name as label from places
union all
select 'outcome', outcome_id, short_title from outcomes
union all
select 'enabler', enabler_id, name from enablers
union all
select 'typology', typology_id, name from typologies
order by kind, label
