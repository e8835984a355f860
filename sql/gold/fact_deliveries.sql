-- One row per delivered order: its milestone times, the five stages that add up exactly to the total
-- (placed -> prep started -> prep finished -> oven out -> departed -> delivered) and its context.
-- Events may arrive out of order and twice: the first time of each milestone counts. Minutes are
-- rounded to 6 decimals so a rerun, which may add the same numbers in another order, writes the
-- same bytes. '${lake.source_timezone}' is lake.yaml's source_timezone (the gold job sets it).
WITH delivered AS (
    SELECT order_id, customer_id, placed_at, promised_minutes, zone, suburb, channel, distance_km, total_zar
    FROM orders
    WHERE status = 'delivered'
),
kitchen AS (
    SELECT
        k.order_id,
        min(CASE WHEN k.event_type = 'prep_started' THEN k.event_at END) AS prep_started_at,
        min(CASE WHEN k.event_type = 'prep_finished' THEN k.event_at END) AS prep_finished_at,
        min(CASE WHEN k.event_type = 'oven_in' THEN k.event_at END) AS oven_in_at,
        min(CASE WHEN k.event_type = 'oven_out' THEN k.event_at END) AS oven_out_at
    FROM kitchen_events AS k
    LEFT SEMI JOIN delivered AS d ON k.order_id = d.order_id
    GROUP BY k.order_id
),
dispatch_rows AS (
    SELECT e.order_id, e.event_type, e.event_at, e.driver_id
    FROM dispatch_events AS e
    LEFT SEMI JOIN delivered AS d ON e.order_id = d.order_id
),
dispatch AS (
    SELECT
        order_id,
        min(CASE WHEN event_type = 'driver_assigned' THEN event_at END) AS driver_assigned_at,
        min(CASE WHEN event_type = 'departed' THEN event_at END) AS departed_at,
        min(CASE WHEN event_type = 'delivered' THEN event_at END) AS delivered_at
    FROM dispatch_rows
    GROUP BY order_id
),
-- The driver who departed with the order; failing that, the one assigned; ties broken by time.
drivers_of_orders AS (
    SELECT
        order_id,
        min_by(
            driver_id,
            struct(
                coalesce(CASE event_type WHEN 'departed' THEN 0 WHEN 'driver_assigned' THEN 1 END, 2),
                event_at,
                driver_id
            )
        ) AS driver_id
    FROM dispatch_rows
    WHERE driver_id IS NOT NULL
    GROUP BY order_id
),
items AS (
    SELECT i.order_id, CAST(sum(i.qty) AS INT) AS items_count
    FROM order_items AS i
    LEFT SEMI JOIN delivered AS d ON i.order_id = d.order_id
    GROUP BY i.order_id
),
complained AS (
    SELECT DISTINCT c.order_id, true AS has_complaint
    FROM complaints AS c
    LEFT SEMI JOIN delivered AS d ON c.order_id = d.order_id
),
rated AS (
    SELECT r.order_id, max_by(r.stars, struct(r.rated_at, r.updated_at, r.rating_id)) AS rating_stars
    FROM ratings AS r
    LEFT SEMI JOIN delivered AS d ON r.order_id = d.order_id
    GROUP BY r.order_id
),
base AS (
    SELECT
        o.order_id,
        o.customer_id,
        to_date(from_utc_timestamp(o.placed_at, '${lake.source_timezone}')) AS order_date,
        hour(from_utc_timestamp(o.placed_at, '${lake.source_timezone}')) AS order_hour,
        date_format(from_utc_timestamp(o.placed_at, '${lake.source_timezone}'), 'E') AS weekday,
        o.placed_at,
        k.prep_started_at,
        k.prep_finished_at,
        k.oven_in_at,
        k.oven_out_at,
        x.driver_assigned_at,
        x.departed_at,
        x.delivered_at,
        o.promised_minutes,
        i.items_count,
        dr.driver_id,
        o.zone,
        o.suburb,
        o.channel,
        o.distance_km,
        o.total_zar,
        coalesce(c.has_complaint, false) AS has_complaint,
        r.rating_stars
    FROM delivered AS o
    LEFT JOIN kitchen AS k ON k.order_id = o.order_id
    LEFT JOIN dispatch AS x ON x.order_id = o.order_id
    LEFT JOIN drivers_of_orders AS dr ON dr.order_id = o.order_id
    LEFT JOIN items AS i ON i.order_id = o.order_id
    LEFT JOIN complained AS c ON c.order_id = o.order_id
    LEFT JOIN rated AS r ON r.order_id = o.order_id
),
-- Orders whose oven stage (prep finished to oven out) overlapped a load-shedding window.
shed AS (
    SELECT /*+ BROADCAST(w) */ DISTINCT b.order_id
    FROM base AS b
    JOIN load_shedding AS w ON b.prep_finished_at < w.ends_at AND b.oven_out_at > w.starts_at
),
timed AS (
    SELECT
        b.*,
        s.order_id IS NOT NULL AS during_load_shedding,
        round((unix_micros(b.prep_started_at) - unix_micros(b.placed_at)) / 6.0E7, 6) AS wait_before_prep_min,
        round((unix_micros(b.prep_finished_at) - unix_micros(b.prep_started_at)) / 6.0E7, 6) AS prep_min,
        round((unix_micros(b.oven_out_at) - unix_micros(b.prep_finished_at)) / 6.0E7, 6) AS oven_min,
        round((unix_micros(b.departed_at) - unix_micros(b.oven_out_at)) / 6.0E7, 6) AS wait_for_driver_min,
        round((unix_micros(b.delivered_at) - unix_micros(b.departed_at)) / 6.0E7, 6) AS drive_min,
        round((unix_micros(b.delivered_at) - unix_micros(b.placed_at)) / 6.0E7, 6) AS total_min
    FROM base AS b
    LEFT JOIN shed AS s ON s.order_id = b.order_id
)
SELECT
    order_id,
    customer_id,
    order_date,
    order_hour,
    weekday,
    placed_at,
    prep_started_at,
    prep_finished_at,
    oven_in_at,
    oven_out_at,
    driver_assigned_at,
    departed_at,
    delivered_at,
    wait_before_prep_min,
    prep_min,
    oven_min,
    wait_for_driver_min,
    drive_min,
    total_min,
    promised_minutes,
    round(total_min - promised_minutes, 6) AS minutes_late,
    round(total_min - promised_minutes, 6) > 0 AS is_late,
    items_count,
    driver_id,
    zone,
    suburb,
    channel,
    distance_km,
    total_zar,
    during_load_shedding,
    has_complaint,
    rating_stars
FROM timed
