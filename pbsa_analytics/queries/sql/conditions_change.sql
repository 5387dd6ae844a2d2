-- Each place's answer per condition in two rounds ($from_round, $to_round) and whether it changed;
-- only places that submitted both rounds. $files as in conditions_answers.
with answers as (
    select
        place_id,
        round,
        condition_id,
        coalesce(answer, cast(rating as varchar)) as value
    from read_parquet($files)
),

earlier as (
    select place_id, condition_id, value from answers where round = $from_round
),

later as (
    select place_id, condition_id, value from answers where round = $to_round
)

select
    b.place_id,
    p.place_name,
    c.condition_id,
    c.framework,
    c.position,
    c.text,
    b.value as from_value,
    a.value as to_value,
    b.value is distinct from a.value as changed
from earlier as b
inner join later as a on a.place_id = b.place_id and a.condition_id = b.condition_id
inner join places as p on p.place_id = b.place_id
inner join conditions as c on c.condition_id = b.condition_id
order by p.place_name, c.framework desc, c.position
