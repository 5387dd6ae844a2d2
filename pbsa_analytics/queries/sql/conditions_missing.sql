-- Per round and condition: places that answered, and places reporting it missing (checklist "No",
-- workshop rating 1 "not in place"). $files as in conditions_answers.
with answers as (
    select place_id, round, condition_id, answer, rating
    from read_parquet($files)
),

marked as (
    select
        a.round,
        a.condition_id,
        a.answer is not null or a.rating is not null as answered,
        coalesce(a.answer = 'no' or a.rating = 1, false) as missing,
        coalesce(a.answer = 'not_sure', false) as unsure
    from answers as a
)

select
    m.round,
    c.condition_id,
    c.framework,
    c.group_name,
    c.position,
    c.text,
    count(*) as places,
    count(*) filter (where m.answered) as answered,
    count(*) filter (where m.missing) as missing,
    count(*) filter (where m.unsure) as not_sure
from marked as m
inner join conditions as c on c.condition_id = m.condition_id
group by all
order by m.round, missing desc, c.framework desc, c.position
