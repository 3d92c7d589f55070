-- A connection's send rate is kept by all instances together: its next free
-- send slot lives with the connection, and an outbound worker on any
-- instance reserves one before it calls the provider. (Before, each
-- instance kept its own pace, so N instances sent N times the rate.)
ALTER TABLE channels ADD COLUMN next_send_at timestamptz;

-- Reserves the connection's next slot at `p_per_second` sends a second and
-- returns how many seconds to wait for it (0 when it is free now).
CREATE FUNCTION reserve_send_slot(p_channel_id bigint, p_per_second integer)
RETURNS double precision
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    WITH slot AS (
        SELECT clock_timestamp() AS now,
               make_interval(secs => 1.0::double precision / greatest(p_per_second, 1)) AS gap)
    UPDATE channels c
       SET next_send_at = greatest(c.next_send_at, slot.now) + slot.gap
      FROM slot
     WHERE c.id = p_channel_id
 RETURNING extract(epoch FROM (c.next_send_at - slot.gap - slot.now))::double precision
$$;
REVOKE ALL ON FUNCTION reserve_send_slot(bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reserve_send_slot(bigint, integer) TO ponte_app;
