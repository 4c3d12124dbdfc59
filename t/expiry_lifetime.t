# expiry_lifetime.t - expiry that follows each certificate's lifetime: real
# Postfix and Dovecot serve certificates of Let's Encrypt's 160-hour, 45-,
# 64- and 90-day profiles and of 200 and 398 days, each at an age in one
# band of the default (WARNING below 25% of the lifetime left, at most 30
# days; CRITICAL below 10%, at most 14 days), then -w/-c in days, decimals
# and percentages.  A healthy short-lived certificate must never page.
. "$top_srcdir/t/lib/fixture.sh"
. "$top_srcdir/t/lib/plugin.sh"
fixture_require
fixture_pki
fixture__tmp
L=$TP_TMP/lifetimes
fixture_lifetimes "$L"
FIXTURE_SNI_MAP=$L/sni.map fixture_start_postfix
fixture_start_dovecot

as() {	# as NAME [ARGS...]: submission with SNI NAME.example.test
	local name=$1
	shift
	printf '%s\n' -r "$PKI/root.crt" -H 127.0.0.1 -p "$PF_SUBMISSION" -P submission \
	    --sni "$name.example.test" "$@"
}

# --- the default: each certificate by its own lifetime ----------------------
default_is() {	# default_is NAME STATE ERE WHY
	mapfile -t A < <(as "$1")
	expect "$1, default thresholds: $2 ($4)" check_mail_tls "$2" "$3" "${A[@]}"
}
default_is life160h-new OK "expires in 6 days" \
    "a fresh 160-hour certificate; -w 30 -c 14 made it CRITICAL"
default_is life160h-warn WARNING \
    "renewal overdue: 'life160h-warn\.example\.test' has (29|30) of its 160 hours left \(a 160-hour certificate is renewed with 80 left\): check the ACME client" \
    "30 hours left, under 40"
default_is life160h-crit CRITICAL "renewal overdue: 'life160h-crit\.example\.test' has (9|10) of its 160 hours left" \
    "10 hours left, under 16"
default_is life45d-new OK "expires in 4[23] days" "43 days left"
default_is life45d-warn WARNING \
    "renewal overdue: 'life45d-warn\.example\.test' has [89] of its 45 days left \(a 45-day certificate is renewed with 15 left\)" \
    "9 days left, under 11.25"
tap_like "$LINE1" "days_left=[89];11\.25:;4\.5: time_left=[0-9]+s;972000:;388800: lifetime=3888000s;;;0 " \
    "... perfdata: days, the exact seconds left and the lifetime, each with this certificate's thresholds"
default_is life45d-crit CRITICAL "has [23] of its 45 days left" "3 days left, under 4.5"
default_is life64d-warn WARNING "has 1[34] of its 64 days left \(a 64-day certificate is renewed with 21 left\)" \
    "14 days left, under 16"
default_is life90d-ok OK "expires in (29|30) days" "30 days left of 90: -w 30 said WARNING"
default_is life90d-warn WARNING "has (19|20) of its 90 days left" "20 days left, under 22.5"
default_is life200d-warn WARNING "certificate 'life200d-warn\.example\.test' expires in 2[45] days \(" \
    "25 days left of 200: 25% would be 50 days, capped at 30"
default_is life398d-ok OK "expires in 9[78] days" "98 days left of 398"
default_is life398d-crit CRITICAL "certificate 'life398d-crit\.example\.test' expires in (9|10) days \(" \
    "10 days left, under the 14-day cap"

# --- -w/-c as given ----------------------------------------------------------
mapfile -t A < <(as life90d-ok -w 30 -c 14)
expect "-w 30 -c 14 keep their meaning in days" check_mail_tls WARNING \
    "certificate 'life90d-ok\.example\.test' expires in (29|30) days" "${A[@]}"
tap_like "$LINE1" "days_left=(29|30);30:;14: time_left=[0-9]+s;2592000:;1209600:" \
    "... and the perfdata thresholds are those days"
mapfile -t A < <(as life90d-ok -w 50% -c 20%)
expect "-w 50% -c 20%: 30 of 90 days is under half the lifetime" check_mail_tls WARNING \
    "renewal overdue: 'life90d-ok\.example\.test' has (29|30) of its 90 days left" "${A[@]}"
tap_like "$LINE1" "days_left=(29|30);45:;18: " "... thresholds in days from the percentages"
mapfile -t A < <(as life90d-ok -w 50% -c 40%)
expect "-c 40%: 30 of 90 days is under 36" check_mail_tls CRITICAL "has (29|30) of its 90 days left" "${A[@]}"
expect "-w 25% -c 10%: an intermediate with 100 of its 1100 days left keeps the capped default (OK)" \
    check_cert_chain OK "chain complete and in order" -r "$PKI/root.crt" \
    --file "$L/life90d-oldinter.fullchain.crt" -w 25% -c 10%
expect "... -w 30%: the leaf, with 33% of its lifetime left, is fine too" \
    check_cert_chain OK "chain complete and in order" -r "$PKI/root.crt" \
    --file "$L/life90d-oldinter.fullchain.crt" -w 30% -c 10%
expect "... and -w 40% does: renewal overdue, 30 of 90 days left" check_cert_chain WARNING \
    "renewal overdue: 'life90d-oldinter\.example\.test' has (29|30) of its 90 days left" -r "$PKI/root.crt" \
    --file "$L/life90d-oldinter.fullchain.crt" -w 40% -c 10%
mapfile -t A < <(as life45d-new -w 99% -c 10%)
expect "-w 99% warns with 43 of 45 days left, and says 'expires in', not 'overdue' (the renewal is at 15)" \
    check_mail_tls WARNING "certificate 'life45d-new\.example\.test' expires in 4[23] days" "${A[@]}"
mapfile -t A < <(as life398d-ok -w 25%)
expect "percentages are not capped: 98 of 398 days is under 25% (99.5 days)" check_mail_tls WARNING \
    "certificate 'life398d-ok\.example\.test' expires in 9[78] days" "${A[@]}"
mapfile -t A < <(as life160h-warn -w 1.5 -c 0.5)
expect "-w 1.5 (days): 30 hours left is under 36 hours" check_mail_tls WARNING \
    "certificate 'life160h-warn\.example\.test' expires in (29|30) hours" "${A[@]}"
mapfile -t A < <(as life160h-warn -w 1 -c 0.5)
expect "-w 1 -c 0.5: 30 hours is compared exactly, not as one whole day" check_mail_tls OK \
    "expires in (29|30) hours" "${A[@]}"
mapfile -t A < <(as life160h-crit -w 1 -c 0.5)
expect "-c 0.5 (12 hours): 10 hours left is CRITICAL" check_mail_tls CRITICAL \
    "expires in (9|10) hours" "${A[@]}"
mapfile -t A < <(as life90d-warn -w @0:25% -c @0:5%)
expect "a range of percentages: @0:25% alerts inside 0..25% of the lifetime" check_mail_tls WARNING \
    "has (19|20) of its 90 days left" "${A[@]}"
mapfile -t A < <(as life90d-ok -w @0:25% -c @0:5%)
expect "... and 33% left is outside it" check_mail_tls OK "expires in (29|30) days" "${A[@]}"

# --- JSON, other plugins, Dovecot -------------------------------------------
mapfile -t A < <(as life45d-warn --output json)
run_plugin check_mail_tls "${A[@]}"
tap_is "$(printf '%s' "$OUT" | jq -r '.facts.chain[0] | [.lifetime, .warning_days, .critical_days, .lifetime_relative, (.time_left > 8*86400 and .time_left <= 9*86400), .not_before < .not_after] | map(tostring) | join(" ")')" \
    "3888000 11.25: 4.5: true true true" \
    "JSON: the leaf's lifetime, the thresholds that applied and the exact time left"
tap_is "$(printf '%s' "$OUT" | jq -r '.facts.chain[1].lifetime_relative, .facts.chain[1].warning_days')" \
    "true
30:" "JSON: the 5-year intermediate keeps 30 days (the cap)"

expect "check_cert_chain --file: a fresh 160-hour chain is OK" check_cert_chain OK \
    "chain complete and in order" -r "$PKI/root.crt" --file "$L/life160h-new.fullchain.crt"
expect "... and CRITICAL when -w 30 -c 14 are given, as asked" check_cert_chain CRITICAL \
    "certificate 'life160h-new\.example\.test' expires in 6 days" -r "$PKI/root.crt" \
    --file "$L/life160h-new.fullchain.crt" -w 30 -c 14
expect "check_sni_map: a map of these certificates is CRITICAL" check_sni_map CRITICAL \
    "8 of 12 names wrong: life160h-warn\.example\.test" -r "$PKI/root.crt" --map "$L/sni.map"
tap_like "$OUT" "^\[CRITICAL\] life160h-crit\.example\.test: in the map's files, renewal overdue: 'life160h-crit\.example\.test' has (9|10) of its 160 hours left" \
    "... naming the 160-hour one with 10 hours left overdue"
tap_unlike "$OUT" "^\[[A-Z]+\] life(160h-new|45d-new|90d-ok|398d-ok)\.example\.test: in the map's files" \
    "... and no line for the four healthy ones"

fixture_swap_cert dovecot "$L/life45d-warn"
expect "Dovecot IMAPS serving a 45-day certificate with 9 days left: WARNING" check_mail_tls WARNING \
    "renewal overdue: 'life45d-warn\.example\.test' has [89] of its 45 days left" \
    -r "$PKI/root.crt" -H 127.0.0.1 -p "$DV_IMAPS" -P imaps --sni life45d-warn.example.test

# --- bad values ----------------------------------------------------------------
for bad in "-w 120%" "-c abc" "-w 10%x" "-w 10 -c 20" "-w 5% -c 10%" "-c -5%"; do
	# shellcheck disable=SC2086
	expect "usage error: $bad" check_mail_tls UNKNOWN "-[wc]/--(warning|critical)" \
	    -H 127.0.0.1 -p "$PF_SUBMISSION" -P submission $bad
done

tap_done
