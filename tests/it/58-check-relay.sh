# wsctl check against a frame-parsing relay made for the test (node ws,
# tests/js/ws_relay.js) where a byte relay passes: a relay that times one
# direction only fails the one-way idle check of that direction alone,
# and one that judges frames itself differs from the backend exactly there.
# nginx, HAProxy and wsctl proxy count traffic either way (51, 52 and 53
# see them pass).
. "$(dirname "$0")/../lib.sh"
JS=$TESTS/js

start_echo relay-echo -q --listen 127.0.0.1:0
B=${PORTS[0]}

# relay_check NAME RELAY-ARGS -- CHECK-ARGS: one relay, one check run
relay_check() {
	local name=$1 args=()
	shift
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	start_node "relay-$name" "$JS/ws_relay.js" "ws://127.0.0.1:$B" "${args[@]}"
	local relay=$SPAWNED
	"$WSCTL" check --color never --report "$OUT/check-$name.json" \
		--backends "127.0.0.1:$B" "$@" "ws://127.0.0.1:$PORT/" \
		>"$OUT/check-$name.table" 2>&1
	RC=$?
	FAILED=$(failed_checks "$OUT/check-$name.json")
	stop "$relay"
}

relay_check cut-client --cut-idle client 1500 -- --idle 4s \
	--only 'timeout.idle-*-only'
expect_eq "relay timing the client only: upstream-only fails alone" \
	"$RC/$FAILED" "1/timeout.idle-upstream-only"
expect_match "relay timing the client only: cut at 1.5s, by TCP" \
	"$(grep '^timeout.idle-upstream-only' "$OUT/check-cut-client.table")" \
	"closed \(TCP.*after (1[5-9][0-9]{2}ms|1s[0-9]+ms) of backend-only traffic"
expect_match "relay timing the client only: client-only counts the messages" \
	"$(grep '^timeout.idle-client-only' "$OUT/check-cut-client.table")" \
	"pass +4 client messages, none from the backend, for 4s: all arrived"

relay_check cut-backend --cut-idle backend 1500 -- --idle 4s \
	--only 'timeout.idle-*-only'
expect_eq "relay timing the backend only: client-only fails alone" \
	"$RC/$FAILED" "1/timeout.idle-client-only"
expect_match "relay timing the backend only: upstream-only counts pushes" \
	"$(grep '^timeout.idle-upstream-only' "$OUT/check-cut-backend.table")" \
	"pass +[34] backend messages, none from the client"

# the differential frame run: the relay answers broken frames itself, with
# its own close reasons, where the backend would have; the frames it only
# passes on (a ping between fragments, a close the backend echoes, data
# after a close, a message it re-frames into the same one) come out as
# the backend's own
relay_check diff -- --quick --only 'diff.*'
expect_eq "node ws relay: exactly the frames it judges itself differ" "$RC/$FAILED" \
	"1/diff.close-1-byte diff.close-1005 diff.close-999 diff.invalid-utf8 diff.ping-126 diff.ping-fragmented diff.reserved-opcodes diff.rsv-bits"
expect_match "... each showing the backend's answer and the relay's" \
	"$(grep '^diff.rsv-bits' "$OUT/check-diff.table")" \
	"fail +expected close 1002 'reserved bits set'; end; observed close 1002 ''; end$"
expect_match "... and what passed through unchanged" \
	"$(grep '^diff.ping-between-fragments' "$OUT/check-diff.table")" \
	"pass +as the backend itself: pong 3; text 5 #[0-9a-f]{8} in 1 frame; silence$"

# permessage-deflate: the relay's own client agrees with the backend, its
# server does not with the client; so the check names the answer the
# relay kept to itself.  With --deflate it agrees on both sides and, as
# it compresses again what it inflated, the messages cross compressed
relay_check deflate-kept -- --only frames.compressed
expect_eq "relay that keeps permessage-deflate to itself: frames.compressed fails" \
	"$RC/$FAILED" "1/frames.compressed"
expect_match "... naming the header the client never got" \
	"$(grep '^frames.compressed' "$OUT/check-deflate-kept.table")" \
	"the backend agreed to 'permessage-deflate', but the 101 the client got has no Sec-WebSocket-Extensions: the proxy dropped it"
relay_check deflate-both --deflate -- --only frames.compressed
expect_match "relay that agrees on both sides: frames.compressed passes" \
	"$RC/$(grep '^frames.compressed' "$OUT/check-deflate-both.table")" \
	"^0/frames.compressed +pass +'permessage-deflate.*' agreed; 10 B, 64 KiB and 1 MiB"
