-- Submitted answers in force ($files: the empty schema file, then one file per round in force), with the
-- place's name and the condition's wording. A place's unanswered condition stays a row with nulls.
with answers as (
    select entry_id, place_id, round, condition_id, answer, rating, note
    from read_parquet($files)
)

select
    a.place_id,
    p.place_name,
    a.round,
    c.condition_id,
    c.framework,
    c.group_name,
    c.position,
    c.text,
    c.source,
    a.answer,
    a.rating,
    a.note,
    a.entry_id
from answers as a
inner join places as p on p.place_id = a.place_id
inner join conditions as c on c.condition_id = a.condition_id
order by a.round, p.place_name, c.framework desc, c.position
