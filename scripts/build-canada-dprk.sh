#!/usr/bin/env bash
# Rebuilds the bundled ledger ledger/canada-dprk.jsonl from scratch through the
# CLI, from two archived texts:
#
#   globe-dprk-talks          seeds/000_f4198c04c4b0a21a.txt  The Globe and Mail's
#                             report on Canada's secret 2018 talks with North Korea,
#                             based on documents released under access to information.
#   moved-closer-translation  seeds/002_cb2cdd0aa5ea079b.txt  a shorter, machine-
#                             translated article derived from that report.
#
# Every statement is written in the ledger's own words; quotes are short and
# verbatim. No span is written by hand: `source add --file` keeps each text in
# the archive ($ARCHIVE), and `add`/`dispute --quote` locate every quote in it,
# storing its paragraph, its span (pN:A-B: characters A..B of paragraph N,
# Unicode scalar values, half-open) and the text's exact characters; a quote
# the text does not hold word for word, or holds in more than one place, stops
# the build. (`ledger locate SOURCE QUOTE` shows where a quote is.) CI checks
# every citation again with `ledger verify --citations` (.ci/run,
# tests/cli/data.rs).
#
# Where the derived article says more than (or something other than) the report
# supports, the fact rests on the report and the derived article's version is
# recorded as a dispute; where it says the same, both are cited.
#
# Dates (--valid-from/--valid-to) say when a fact holds in the world, only as
# precisely as the texts allow (YYYY, YYYY-MM, YYYY-MM-DD); a one-off event
# starts and ends on the same date. Where a date is inferred from context rather
# than stated (the report's publication year 2020 is itself inferred; its "last
# year" is 2019; "the documents" are the 2018-2019 files released to the paper),
# the fact's --note says what the date rests on. Views and statements given to
# the reporter hold from the publication year. Long-standing states for which
# the texts give no start keep an open start. Statements stay clean; reasoning
# and caveats go in --note.
#
# Environment:
#   LEDGER_BIN  the ledger binary (default: target/release/ledger, built here)
#   OUT         the ledger to write (default: ledger/canada-dprk.jsonl)
#   SEEDS       directory of the seed texts (default: ../shared/seeds)
#   ARCHIVE     the archive the texts are kept in, as <sha256>.txt (default:
#               target/seed-archive; outside git, as the texts are copyrighted)
#   CHECKPOINT  the signed checkpoint to write (default: ledger/canada-dprk.checkpoint)
#
# The output is deterministic: a fixed record time, a fixed order of commands.
# The checkpoint is signed with a TEST key, scripts/canada-dprk.test-key, whose
# secret half is published here on purpose so that anyone can reproduce the
# checkpoint byte for byte (Ed25519 signatures are deterministic). A TEST key
# proves nothing about who signed: a real log keeps its signer key secret (see
# docs/ci/checkpoints.md). Its verifier key is ledger/canada-dprk.test-key.pub.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${LEDGER_BIN:-}" ]; then
  cargo build --release --quiet
fi
BIN=${LEDGER_BIN:-target/release/ledger}
OUT=${OUT:-ledger/canada-dprk.jsonl}
CHECKPOINT=${CHECKPOINT:-ledger/canada-dprk.checkpoint}
TEST_KEY=scripts/canada-dprk.test-key
SEEDS=${SEEDS:-../shared/seeds}
ARCHIVE=${ARCHIVE:-target/seed-archive}
GLOBE_TEXT=$SEEDS/000_f4198c04c4b0a21a.txt
TRANSL_TEXT=$SEEDS/002_cb2cdd0aa5ea079b.txt

for f in "$GLOBE_TEXT" "$TRANSL_TEXT"; do
  if [ ! -f "$f" ]; then
    echo "build-canada-dprk: archived source text $f not found;" \
      "set SEEDS to the directory holding the seed texts (default ../shared/seeds)" >&2
    exit 1
  fi
done

export LEDGER_NOW=2026-11-23T12:00:00Z

# Every command writes to "$OUT"; its normal output is dropped, errors still show.
ledger() { "$BIN" --ledger "$OUT" --archive "$ARCHIVE" "$@" >/dev/null; }

mkdir -p "$(dirname "$OUT")"
rm -f "$OUT"
ledger init --title "Canada – North Korea relations"

# ---------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------

ledger source add --id globe-dprk-talks \
  --title "[No headline in archived text] Report on Canada's secret 2018 talks with North Korea" \
  --publisher "The Globe and Mail" \
  --published 2020 --language en --type news-article \
  --file "$GLOBE_TEXT" \
  --note "The archived text has no headline (it opens with page navigation), so the title is a bracketed description. No author is named; the credit Ahn Young-joon/The Associated Press belongs to the photo. No URL is given. The text gives no publication date; the year 2020 is inferred: the photo caption is dated March 9, 2020, Chrystia Freeland is called the 'then' foreign minister and François-Philippe Champagne the current one, and the 2019 plan is described as developed 'last year'. The report rests on government documents obtained through access-to-information requests."

ledger source add --id moved-closer-translation \
  --title "Canada moved closer to North Korea in 2018" \
  --publisher "Unknown (not stated in the archived text)" \
  --language en --type news-article \
  --derived-from globe-dprk-talks --derivation translation \
  --file "$TRANSL_TEXT" \
  --note "Title from the first line of the archived text; it names no publisher, author, URL or date, so none is recorded. The English reads as a machine translation (phrases such as 'defend the rights of the man', 'revelations from the “World”', 'the merger operation'); the language it was translated from is not stated. It retells The Globe and Mail report recorded as globe-dprk-talks, citing 'the Globe and Mail article published on Wednesday', so it is the translation of an article based on that report, not an independent source; it mistranslates and overstates in places (see its disputes)."

# ---------------------------------------------------------------------------
# Diplomatic status and history (globe p15; translation p6)
# ---------------------------------------------------------------------------

ledger add --id no-full-relations-since-korean-war \
  --subject CA-KP --topic diplomatic-status --modality reported \
  --value '{"diplomatic_relations":"not full"}' \
  --statement "Canada and North Korea have not had full diplomatic relations at any time since the Korean War." \
  --note "Open start: the report says 'since the Korean War' and gives no year. Stated as still the case at publication (2020, inferred)." \
  --source globe-dprk-talks --quote 'Canada has not had full diplomatic relations with the DPRK since the Korean War'

ledger add --id recognition-2000 \
  --subject CA-KP --topic diplomatic-status --modality reported \
  --valid-from 2000 --valid-to 2000 \
  --statement "Canada recognized North Korea as a state in 2000 and appointed an ambassador to it not long afterwards." \
  --note "Dated by the recognition; the report gives no year for the ambassador's appointment, only 'not long after'." \
  --source globe-dprk-talks --quote 'Ottawa recognized the state in 2000 and appointed an ambassador not long after'

ledger add --id accreditation-withdrawn-2010 \
  --subject CA-KP --topic diplomatic-status --modality reported \
  --valid-from 2010 --valid-to 2010 \
  --value '{"ambassador_accreditation":"withdrawn"}' \
  --statement "In 2010 Canada withdrew its ambassador's accreditation to North Korea and would not accept a North Korean ambassador in Ottawa, after North Korea allegedly sank a South Korean warship." \
  --source globe-dprk-talks --quote 'it pulled the accreditation in 2010 and refused a North Korean ambassador to Ottawa'

ledger add --id warship-sinking-alleged \
  --subject KP-KR --topic security --modality alleged \
  --valid-to 2010 \
  --statement "North Korea sank a South Korean warship." \
  --note "The report does not date the sinking; it places it before Canada's 2010 measures, so it is recorded as happening no later than 2010 (no start date). The report calls the ship a 'battleship'." \
  --source globe-dprk-talks --quote 'the DPRK allegedly sunk a South Korean battleship'

ledger add --id talks-limited-since-2010 \
  --subject CA-KP --topic engagement --modality reported \
  --valid-from 2010 \
  --statement "From 2010 on, Canada restricted its talks with North Korea to security, humanitarian and consular matters." \
  --note "Start year from the report ('Since then', after the 2010 measures). Left open-ended: the report states it in the present perfect at publication (2020, inferred) and does not say the restriction ended, though it also describes the broader 2018 talks." \
  --source globe-dprk-talks --quote 'limited its discussions with Pyongyang to security, humanitarian and consular issues'

ledger add --id unofficial-visits-before-2018 \
  --subject CA-KP --topic engagement --modality reported \
  --statement "Before the 2018 talks, North Korean representatives had already visited Canada on an unofficial basis." \
  --note "Undated: the report gives no dates for these visits, only that they came before the secret 2018 talks. Kept as background without dates, so the report shows it at every date, including dates that may precede the first visit." \
  --source globe-dprk-talks --quote 'North Korean representatives have made unofficial visits to Canada before'

# The translation compresses this history into "no diplomatic presence since 2010".
ledger dispute accreditation-withdrawn-2010 --difference imprecise \
  --statement "Canada has had no diplomatic presence in North Korea since 2010." \
  --source moved-closer-translation --quote 'Canada has not had a diplomatic presence in North Korea since 2010' \
  --note "The report says Canada pulled its ambassador's accreditation and refused a North Korean ambassador in 2010, and that relations have not been full at any time since the Korean War; it does not say when Canada last had an embassy in Pyongyang (it only speaks of reopening one). 'No diplomatic presence since 2010' turns the withdrawal of accreditation into a claim about presence that the report does not make, and drops the longer history."

# ---------------------------------------------------------------------------
# Consular: the 2017 trip (globe p15)
# ---------------------------------------------------------------------------

ledger add --id daniel-jean-trip-2017 \
  --subject CA-KP --topic consular --modality reported \
  --valid-from 2017 --valid-to 2017 \
  --statement "In 2017 Canada's national security adviser, Daniel Jean, went to North Korea to obtain the release of Hyeon Soo Lim, a Canadian pastor detained there." \
  --source globe-dprk-talks --quote 'national security adviser Daniel Jean travelled to North Korea'

# ---------------------------------------------------------------------------
# 2018 context: the Vancouver meeting and the U.S.–North Korea track (globe p6-p8)
# ---------------------------------------------------------------------------

ledger add --id vancouver-meeting-2018-01 \
  --subject CA-US --topic nuclear --modality reported \
  --valid-from 2018-01 --valid-to 2018-01 \
  --statement "In January 2018 Canada's then foreign minister Chrystia Freeland and her U.S. counterpart co-hosted a meeting of 20 countries in Vancouver on how to disarm North Korea's nuclear-armed regime." \
  --source globe-dprk-talks --quote 'a January, 2018, meeting of 20 countries'

ledger add --id kr-conciliatory-2018 \
  --subject KP-KR --topic engagement --modality reported \
  --valid-from 2018-01 --valid-to 2018-01 \
  --statement "The Vancouver meeting came as a new South Korean government took a more conciliatory line toward North Korea." \
  --note "Dated by the January 2018 Vancouver meeting it coincided with; the report gives no date for the South Korean government's arrival or change of line." \
  --source globe-dprk-talks --quote 'a more conciliatory position from a new government in South Korea'

ledger add --id us-kp-high-level-meetings-2018 \
  --subject US-KP --topic engagement --modality reported \
  --valid-from 2018 --valid-to 2019 \
  --statement "After the Vancouver meeting came a burst of high-level meetings between the United States and North Korea, accompanied by much fanfare and by flattering letters and tweets exchanged by Donald Trump and Kim Jong-un." \
  --note "Years from the report: the meetings followed the January 2018 Vancouver meeting, and the report says the U.S.-North Korea talks went on throughout 2018 and 2019. No months are given." \
  --source globe-dprk-talks --quote 'a flurry of high-level meetings between Pyongyang and Washington'

# Only the translation dates the first Trump–Kim summit (three months before September 2018).
ledger add --id us-kp-first-summit \
  --subject US-KP --topic engagement --modality reported \
  --valid-from 2018 --valid-to 2018 \
  --statement "The first summit between Donald Trump and Kim Jong-un took place in 2018, about three months before September of that year." \
  --note "Rests on the translated article only; the Globe and Mail report neither mentions nor dates this summit. The article's 'three months after' points to about June 2018; recorded at year precision, as no month is stated." \
  --source moved-closer-translation --quote 'three months after the first summit between Donald Trump and Kim Jong-Un'

ledger add --id peace-process-positioning \
  --subject CA-KP --topic engagement --modality reported \
  --valid-from 2018 \
  --statement "After the January 2018 Vancouver meeting Canada started to carve out a role for itself in the Korean peace process." \
  --note "Start year from the report, which places this after the January 2018 Vancouver meeting without a month. Left open-ended: the report does not say the effort stopped." \
  --source globe-dprk-talks --quote 'Canada began to position itself in the Korean peace process'

ledger dispute peace-process-positioning --difference overstates \
  --statement "The Trudeau government appears to have quietly played an active part in normalizing relations between North Korea and Western countries." \
  --source moved-closer-translation --quote 'a proactive role in normalizing relations between the Communist regime and Western countries' \
  --note "The report describes Canada positioning itself in the Korean peace process and pursuing its own, conditional re-engagement with North Korea; it says nothing about Canada working to normalize relations between North Korea and Western countries in general. The translation hedges ('it appears') but still goes beyond the report."

ledger add --id task-force \
  --subject CA-KP --topic engagement --modality reported \
  --valid-from 2018 --valid-to 2018 \
  --statement "Rather than high-profile diplomacy, Canada took a low-key approach and set up a dedicated North Korea task force within Global Affairs Canada." \
  --note "Year inferred: the report gives no date; it places the setting-up of the task force after the January 2018 Vancouver meeting ('Ottawa opted for a subtle approach'). Whether the task force still existed later is not said." \
  --source globe-dprk-talks --quote 'setting up a dedicated North Korea task force inside Global Affairs'

# ---------------------------------------------------------------------------
# The September 2018 calls (globe p9; translation p8-p9)
# ---------------------------------------------------------------------------

ledger add --id calls-2018-09 \
  --subject CA-KP --topic engagement --modality reported \
  --valid-from 2018-09 --valid-to 2018-09 \
  --statement "In late September 2018 senior Canadian officials held telephone calls with officials of North Korea's foreign ministry; the summary of the calls is heavily redacted." \
  --source globe-dprk-talks --quote 'senior Canadian officials spoke over the phone with officials in the DPRK’s Foreign Affairs Ministry'

ledger dispute calls-2018-09 --difference overstates \
  --statement "Canada's September 2018 push came three months after the first summit between Donald Trump and Kim Jong-un." \
  --source moved-closer-translation --quote 'three months after the first summit' \
  --note "The Globe and Mail report, which the article relies on, does not link the calls to any summit or give a date for one; this timing is a detail the translated article adds."

ledger add --id push-to-abandon-nuclear-2018-09 \
  --subject CA-KP --topic nuclear --modality reported \
  --valid-from 2018-09 --valid-to 2018-09 \
  --statement "In the September 2018 calls Canada pressed North Korea to give up its nuclear programme." \
  --source globe-dprk-talks --quote 'Ottawa pushed Pyongyang to abandon its nuclear program' \
  --source moved-closer-translation --quote 'Canada pushed North Korea to abandon its nuclear program'

ledger add --id verification-offer-2018-09 \
  --subject CA-KP --topic nuclear --modality proposed \
  --valid-from 2018-09 --valid-to 2018-09 \
  --statement "In the same calls Canada offered to help verify and inspect North Korea's nuclear disarmament." \
  --source globe-dprk-talks --quote 'volunteered to help in the verification and inspection process' \
  --source moved-closer-translation --quote 'even volunteered for the verification process'

ledger add --id inspectors-identified-2018 \
  --subject CA-KP --topic nuclear --modality reported \
  --valid-from 2018 --valid-to 2018 \
  --statement "Canada had picked out nuclear inspectors who could be ready to visit North Korean production and test sites if Pyongyang agreed." \
  --note "Year inferred: this comes from the summary of the late-September 2018 calls; the report does not say when the inspectors were identified." \
  --source globe-dprk-talks --quote 'Canada even identified nuclear inspectors'

ledger add --id freeland-approved-effort \
  --subject CA-KP --topic engagement --modality reported \
  --valid-from 2018 --valid-to 2018 \
  --statement "Then foreign minister Chrystia Freeland approved the whole effort around the September 2018 calls: pressing North Korea to denuclearize and offering help with verification." \
  --note "Year inferred: the report does not date the approval itself; it is recorded in the year of the late-September 2018 calls it covers." \
  --source globe-dprk-talks --quote 'The whole effort was approved by Ms. Freeland.'

ledger dispute freeland-approved-effort --difference imprecise \
  --statement "Freeland, then foreign minister, approved 'the merger operation'." \
  --source moved-closer-translation --quote 'The merger operation had been approved' \
  --note "'The merger operation' is a mistranslation of the report's 'the whole effort'; there was no merger. The translation agrees that Freeland, then foreign minister, gave the approval."

# ---------------------------------------------------------------------------
# The 2018 visits to Vancouver and Ottawa (globe p4, p10-p12, p15-p17; translation p4, p10)
# ---------------------------------------------------------------------------

ledger add --id dprk-delegation-visits-2018 \
  --subject CA-KP --topic engagement --modality reported \
  --valid-from 2018-09 --valid-to 2018-12 \
  --statement "In the fall of 2018 senior Canadian officials held secret meetings in Vancouver and Ottawa with six North Korean representatives, among them the senior North Korean foreign ministry official in charge of North America. The meetings, which grew out of the September calls, were unprecedented." \
  --note "The report says only 'throughout the fall of 2018' and 'that fall', after the late-September calls; the Ottawa part was in October (see ottawa-program-2018-10), and no month is given for the Vancouver part. September to December 2018 is the span of that fall, not a date for each meeting." \
  --source globe-dprk-talks --quote 'senior Canadian officials held clandestine meetings with their counterparts' \
  --source globe-dprk-talks --quote 'meetings that fall in Vancouver and Ottawa with six North Korean representatives' \
  --source moved-closer-translation --quote 'senior Canadian officials interacted with key figures within the North Korean regime'

ledger add --id highest-level-in-years-2018 \
  --subject CA-KP --topic engagement --modality reported \
  --valid-from 2018 --valid-to 2018 \
  --statement "The secret 2018 talks were the highest-level contact between Canada and North Korea in years." \
  --note "Dated by the 2018 talks it characterizes." \
  --source globe-dprk-talks --quote 'the secret talks represent the highest level of engagement in years'

ledger add --id meetings-arranged-via-un-mission-2018 \
  --subject CA-KP --topic engagement --modality reported \
  --valid-from 2018 --valid-to 2018 \
  --statement "The 2018 meetings could only be set up through North Korea's mission to the United Nations." \
  --source globe-dprk-talks --locator p16

ledger add --id ottawa-program-2018-10 \
  --subject CA-KP --topic engagement --modality reported \
  --valid-from 2018-10 --valid-to 2018-10 \
  --statement "The North Korean visitors' three-day programme in Ottawa in October 2018 included a dinner, meetings with humanitarian organizations, a sightseeing tour of the Parliament buildings and 24 Sussex Drive, and a walk in Gatineau Park." \
  --note "Year from context: the report says 'in October' of the meetings held that fall, i.e. the fall of 2018." \
  --source globe-dprk-talks --quote 'The three-day Ottawa program in October'

ledger add --id meetings-made-public \
  --subject CA-KP --topic engagement --modality reported \
  --valid-from 2019 --valid-to 2019 \
  --statement "The fall 2018 meetings were made public before the documents about them were released." \
  --note "Year inferred: the report says the meetings were 'eventually made public last year'; it was published in 2020 (itself inferred, see the source note), so 'last year' is 2019. No month is given. The translated article says only that they 'had previously been revealed'." \
  --source globe-dprk-talks --quote 'the meetings were eventually made public last year' \
  --source moved-closer-translation --quote 'It had previously been revealed'

ledger add --id confidence-building-possible \
  --subject CA-KP --topic security --modality considered \
  --valid-from 2018 --valid-to 2018 \
  --statement "The documents list confidence-building measures, including military-to-military ones, among the possible commitments on the table in the 2018 talks." \
  --note "Dated by the 2018 talks it concerns; the documents that mention it are not dated more precisely." \
  --source globe-dprk-talks --quote 'confidence-building measures, including military-to-military'

ledger dispute confidence-building-possible --difference imprecise \
  --statement "'Mutual trust between soldiers' was among the things discussed at the secret meetings." \
  --source moved-closer-translation --quote 'there was a question of mutual trust between soldiers' \
  --note "The report says the documents mention, as a possibility, confidence-building measures including military-to-military ones; the translation renders the term loosely and presents a possibility listed in the documents as a subject of the talks."

ledger add --id no-formal-commitments-2018 \
  --subject CA-KP --topic engagement --modality reported \
  --valid-from 2018 --valid-to 2018 \
  --statement "The documents give no sign that any formal commitments came out of the 2018 talks." \
  --note "Dated by the 2018 talks it concerns." \
  --source globe-dprk-talks --quote 'They do not indicate that any formal commitments were made'

ledger add --id arrangements-conditional \
  --subject CA-KP --topic engagement --modality reported \
  --valid-from 2018 --valid-to 2018 \
  --statement "The documents suggest that any arrangement depended on North Korea making concessions on its weapons programme and on its very poor human-rights record." \
  --note "Year inferred: the report ties these conditions to the commitments on the table in the fall 2018 talks; the documents are not dated more precisely." \
  --source globe-dprk-talks --quote 'conditional upon North Korea making concessions around its weapons program'

ledger dispute arrangements-conditional --difference overstates \
  --statement "Canadian representatives told the North Korean delegation that any agreement required North Korea to abandon its nuclear programme and to improve its human-rights situation." \
  --source moved-closer-translation --quote 'any agreement was conditional on the abandonment of their nuclear program' \
  --note "The report says only that the documents suggest arrangements were conditional on concessions around the weapons programme and the human-rights record. Abandoning the nuclear programme is a stronger condition than concessions, and the report does not say the condition was put to the delegation."

ledger add --id allies-told-no-status-change \
  --subject CA-KP --topic allies --modality reported \
  --valid-from 2018 --valid-to 2018 \
  --statement "Canada told South Korea, Japan and the United States that the North Korean visit did not mean any change in the status of its diplomatic relations with North Korea, to avoid the impression of a sharp policy shift." \
  --note "Year inferred: the message concerns the North Korean visit of the fall of 2018; the report does not say when the allies were told." \
  --source globe-dprk-talks --quote 'the visit does not signify a change in the status of our diplomatic relations' \
  --source moved-closer-translation --quote 'its meetings did not mean a diplomatic reorientation'

# ---------------------------------------------------------------------------
# The 2019 plan, the strategy and the embassy question (globe p3-p5, p20; translation p3, p5)
# ---------------------------------------------------------------------------

ledger add --id enhanced-engagement-plan-2019-02 \
  --subject CA-KP --topic engagement --modality planned \
  --valid-from 2019-02 --valid-to 2019 \
  --statement "Canada drew up a strategy to re-engage diplomatically with North Korea, quietly and in parallel with Donald Trump's open rapprochement: a 2019 plan for 'enhanced diplomatic engagement', set out in a February 2019 briefing note that is almost wholly redacted." \
  --note "Runs from the February 2019 briefing note that sets out the plan to the end of 2019, the year the plan is for; the report says the strategy was developed 'last year', i.e. 2019 for a report published in 2020 (itself inferred). Nothing says what became of the plan after 2019." \
  --source globe-dprk-talks --quote 'a strategy to re-engage diplomatically with North Korea' \
  --source globe-dprk-talks --quote '“enhanced diplomatic engagement”' \
  --source globe-dprk-talks --quote 'a February, 2019, briefing note that is almost entirely redacted' \
  --source moved-closer-translation --quote 'Canada secretly prepared to rebuild bridges with North Korea'

ledger add --id track-1-5 \
  --subject CA-KP --topic engagement --modality reported \
  --attributed-to "Global Affairs Canada briefing notes" \
  --valid-from 2018 \
  --statement "Canada's approach to North Korea has been 'track 1.5': between track one (government-to-government talks) and track two (engagement with civil society)." \
  --note "Start year inferred: the briefing notes are among the 2018-2019 documents on the re-engagement that the report places after the January 2018 Vancouver meeting; the report gives no date. Left open-ended: the report states it in the present perfect at publication (2020, inferred)." \
  --source globe-dprk-talks --quote 'track 1.5'

ledger add --id no-embassy-open \
  --subject CA-KP --topic embassy --modality reported \
  --value '{"embassy":"not open"}' \
  --statement "Canada has no embassy operating in Pyongyang." \
  --note "Inferred: both texts speak of reopening an embassy in Pyongyang, so none was operating when the 2018-2019 files were written or at publication (2020, inferred). Open start: neither text says when an embassy last operated there." \
  --source globe-dprk-talks --quote 'reopening its embassy in Pyongyang' \
  --source moved-closer-translation --quote 'reopen its embassy in Pyongyang'

ledger add --id embassy-reopening-study \
  --subject CA-KP --topic embassy --modality considered \
  --value '{"embassy_reopening":"under study"}' \
  --valid-from 2018 --valid-to 2019 \
  --statement "Some of the files suggest Canada was even looking into reopening its embassy in Pyongyang; what conditions would have to be met first is unclear." \
  --note "Years inferred: the files are among the 2018-2019 documents the report draws on; the report does not say when the study took place within that span or whether it went on afterwards." \
  --source globe-dprk-talks --quote 'studying the possibility of reopening its embassy in Pyongyang'

# The translation turns "studying the possibility" into "ready to reopen": recorded
# both as its own fact (so the report shows it rests on the derived text alone)
# and as a dispute of the report's fact.
ledger add --id embassy-reopening-ready-per-translation \
  --subject CA-KP --topic embassy --modality planned \
  --value '{"embassy_reopening":"ready"}' \
  --valid-from 2018 --valid-to 2019 \
  --statement "Some documents say Ottawa was ready to reopen its embassy in Pyongyang, on conditions that are not specified." \
  --note "Rests on the translated article only, which overstates the report's 'studying the possibility' (see the dispute on embassy-reopening-study). Years inferred as for embassy-reopening-study: the documents are the 2018-2019 files the report draws on." \
  --source moved-closer-translation --quote 'Ottawa was ready to reopen its embassy in Pyongyang'

ledger dispute embassy-reopening-study --difference overstates \
  --statement "Some documents show that Ottawa was ready to reopen its embassy in Pyongyang." \
  --source moved-closer-translation --quote 'Ottawa was ready to reopen its embassy in Pyongyang' \
  --note "The report says only that some files suggest Canada was studying the possibility of reopening the embassy, with unclear conditions; 'ready to reopen' turns a possibility under study into a readiness the report does not support."

# ---------------------------------------------------------------------------
# People-to-people, civil society funding and humanitarian aid (globe p21-p22)
# ---------------------------------------------------------------------------

ledger add --id academic-exchanges \
  --subject CA-KP --topic people-to-people --modality reported \
  --valid-from 2018 --valid-to 2019 \
  --statement "Canada has backed academic exchanges between Canadian and North Korean universities." \
  --note "Years inferred: the report gives no dates; it lists this right after the 'track 1.5' strategy of the briefing notes ('Ottawa has also...'), among the steps of the re-engagement that began in 2018 and that the 2018-2019 documents cover. It may have begun earlier or gone on later; the report does not say." \
  --source globe-dprk-talks --quote 'supported academic exchanges between North Korean and Canadian universities'

ledger add --id athlete-visas \
  --subject CA-KP --topic people-to-people --modality reported \
  --valid-from 2018 --valid-to 2019 \
  --statement "Canada has granted visas to North Korean amateur athletes." \
  --note "Years inferred: the report gives no dates; it lists this right after the 'track 1.5' strategy of the briefing notes ('Ottawa has also...'), among the steps of the re-engagement that began in 2018 and that the 2018-2019 documents cover. It may have begun earlier or gone on later; the report does not say." \
  --source globe-dprk-talks --quote 'approved visas for North Korean amateur athletes'

ledger add --id women-peace-ngo-funding \
  --subject CA-KP --topic engagement --modality reported \
  --valid-from 2018 --valid-to 2019 \
  --statement "Canada has given \$150,000 to a programme run by a non-governmental organization to strengthen the role of women in the peace process." \
  --note "Years inferred: the report gives no dates; it lists this right after the 'track 1.5' strategy of the briefing notes ('Ottawa has also...'), among the steps of the re-engagement that began in 2018 and that the 2018-2019 documents cover. It may have begun earlier or gone on later; the report does not say." \
  --source globe-dprk-talks --quote 'contributed $150,000 to an NGO program'

ledger add --id first-steps-approval-2019-02 \
  --subject CA-KP --topic humanitarian --modality reported \
  --valid-from 2019-02 --valid-to 2019-02 \
  --statement "In February 2019 Freeland approved a request from First Steps, a Vancouver-based charity that sends soy milk to North Korea against child malnutrition and also wanted to ship production equipment there; Global Affairs officials had hurried the approval early in 2019, about a year and a half after the application, an unusually short time for such a request." \
  --note "The report says officials worked on the request 'early in 2019' and that Freeland signed off 'in February', i.e. February 2019." \
  --source globe-dprk-talks --quote 'Ms. Freeland signed off on the plan in February'

# ---------------------------------------------------------------------------
# Sanctions and security (globe p25-p27)
# ---------------------------------------------------------------------------

ledger add --id sanctions-in-place \
  --subject CA-KP --topic sanctions --modality reported \
  --value '{"sanctions":"in place"}' \
  --statement "Canada applies broad sanctions against North Korea that cover most trade in goods and services." \
  --note "Open start: the report gives no date for when Canada's sanctions began. Described as in force in the 2018-2019 briefing notes and at publication (2020, inferred)." \
  --source globe-dprk-talks --quote 'wide-ranging sanctions, which cover most trade in goods and services'

ledger add --id sanctions-lifting-condition \
  --subject CA-KP --topic sanctions --modality reported \
  --attributed-to "Global Affairs Canada briefing notes" \
  --valid-from 2018 \
  --statement "Canada will keep its sanctions until North Korea dismantles its weapons-of-mass-destruction and ballistic missile programmes completely, verifiably and irreversibly." \
  --note "Start year inferred: the condition is stated in the briefing notes, among the 2018-2019 documents the report draws on; the report gives no earlier date for it. Left open-ended: nothing in the report says the condition was dropped." \
  --source globe-dprk-talks --quote 'completely, verifiably, and irreversibly dismantles its WMD and ballistic missile programs'

ledger add --id sanctions-mixed-record \
  --subject KP --topic sanctions --modality reported \
  --attributed-to "Global Affairs Canada briefing notes" \
  --valid-from 2018 \
  --statement "The sanctions on North Korea have had mixed results, partly because they are not fully implemented and because North Korea has grown ever more skilled at evading them." \
  --note "Start year inferred: the assessment is in the briefing notes, among the 2018-2019 documents the report draws on. Left open-ended: the report does not say it changed." \
  --source globe-dprk-talks --quote 'sanctions have a mixed record'

ledger add --id kp-seeks-sanctions-relief \
  --subject KP --topic sanctions --modality reported \
  --statement "North Korea has been trying hard to win relief from international sanctions, which have cut much of its wider economy off from the world." \
  --note "Open start: the report gives no date; it states this in the present perfect at publication (2020, inferred), in its account of the 2018-2019 U.S.-North Korea talks." \
  --source globe-dprk-talks --quote 'tried desperately to get relief from punishing international sanctions'

ledger add --id maritime-surveillance \
  --subject CA-KP --topic security --modality reported \
  --statement "In recent years Canada has joined a coalition effort against smuggling around the Korean Peninsula, sending a warship and surveillance aircraft." \
  --note "Undated: the report says only 'in recent years', counted back from publication (2020, inferred), which gives no year to start from; the fact therefore shows at every date, including dates before Canada joined." \
  --source globe-dprk-talks --quote 'dispatching a warship and surveillance aircraft'

# ---------------------------------------------------------------------------
# U.S.–North Korea and North Korea context (globe p18, p23-p24)
# ---------------------------------------------------------------------------

ledger add --id us-kp-talks-little-progress \
  --subject US-KP --topic nuclear --modality reported \
  --valid-from 2018 --valid-to 2019 \
  --statement "The U.S.–North Korea talks ran through 2018 and 2019 but brought little tangible progress; 2019 saw several meetings cancelled or produce nothing." \
  --source globe-dprk-talks --quote 'there was little tangible progress' \
  --source globe-dprk-talks --quote 'a number of cancelled or unproductive meetings'

ledger add --id trump-no-rush \
  --subject US-KP --topic nuclear --modality reported \
  --attributed-to "Global Affairs Canada memos" \
  --valid-from 2018 --valid-to 2019 \
  --statement "Canadian memos note recent remarks by President Trump suggesting he was in no hurry to achieve North Korea's denuclearization." \
  --note "Years inferred: neither the memos nor the remarks are dated; the memos are among the 2018-2019 documents the report draws on, and the report mentions them in its account of the U.S.-North Korea talks of 2018 and 2019." \
  --source globe-dprk-talks --quote 'in no rush to achieve denuclearization of North Korea'

ledger add --id dmz-meeting-2019-06 \
  --subject US-KP --topic engagement --modality reported \
  --valid-from 2019-06 --valid-to 2019-06 \
  --statement "Donald Trump and Kim Jong-un met in June 2019 in the demilitarized zone between North and South Korea." \
  --source globe-dprk-talks --quote 'met in June, 2019, in the demilitarized zone'

ledger add --id kp-missile-tests-2019 \
  --subject KP --topic nuclear --modality reported \
  --valid-from 2019-06 --valid-to 2019 \
  --statement "North Korea went on with provocative ballistic missile tests after the June 2019 meeting in the demilitarized zone." \
  --note "From the June 2019 meeting to the end of 2019: the report places the tests after that meeting and within that year ('The year saw...'); no months are given." \
  --source globe-dprk-talks --quote 'the regime continued its provocative ballistic missile tests'

ledger add --id kp-human-rights-situation \
  --subject KP --topic human-rights --modality reported \
  --statement "North Korea runs a large system of concentration camps, allows no democratic freedoms and harshly punishes people who try to flee; on many of these counts things have worsened since Kim Jong-un took power after his father's death in 2011." \
  --note "Open start: a long-standing situation, described as current at publication (2020, inferred); the report dates only the worsening, from Kim Jong-un's takeover in 2011." \
  --source globe-dprk-talks --quote 'North Korea runs an extensive system of concentration camps'

# ---------------------------------------------------------------------------
# Official statements (globe p14; translation p14)
# ---------------------------------------------------------------------------

ledger add --id briefing-request-denied \
  --subject CA-KP --topic statements --modality reported \
  --valid-from 2020 --valid-to 2020 \
  --statement "The office of Foreign Affairs Minister François-Philippe Champagne turned down The Globe and Mail's request for a briefing on where Canada's re-engagement with North Korea stands, and did not answer specific questions." \
  --note "Year inferred: the request was made for the report, published in 2020 (itself inferred from the photo caption dated March 9, 2020 and the report's 'then' and 'last year'); no date is given." \
  --source globe-dprk-talks --quote 'was denied'

ledger add --id champagne-statement \
  --subject CA-KP --topic statements --modality reported \
  --attributed-to "Office of Foreign Affairs Minister François-Philippe Champagne" \
  --valid-from 2020 \
  --statement "Canada keeps working closely with its allies to enforce sanctions and to promote human rights on the Korean Peninsula." \
  --note "Holds from the year of the statement, given to The Globe and Mail for the report published in 2020 (inferred); no date is given. Left open-ended: a statement of continuing policy." \
  --source globe-dprk-talks --quote 'We continue to work closely with our allies to implement sanctions and champion human rights on the Korean Peninsula.'

ledger dispute champagne-statement --difference imprecise \
  --statement "Champagne himself declined to comment, only reaffirming that Canada works with its allies to implement sanctions and to 'defend the rights of the man' on the Korean Peninsula." \
  --source moved-closer-translation --quote 'defend the rights of the man' \
  --note "'Defend the rights of the man' is a garbled, word-for-word rendering of the statement's 'champion human rights'. The report also attributes the statement to the minister's office, not to the minister personally."

# ---------------------------------------------------------------------------
# Civil society: HanVoice (globe p17-p19, p28-p30)
# ---------------------------------------------------------------------------

ledger add --id hanvoice-not-invited-2018-10 \
  --subject CA-KP --topic civil-society --modality reported \
  --valid-from 2018-10 --valid-to 2018-10 \
  --attributed-to "Jack Kim, chairman of HanVoice" \
  --statement "HanVoice, a national organization pressing Canada to take a firmer line on human rights in North Korea, knew about the October 2018 meetings but was not asked to take part." \
  --note "Dated by the October 2018 meetings (year from context: the meetings of the fall of 2018). Jack Kim said this to The Globe and Mail for the report published in 2020 (inferred); the report does not say when HanVoice learned of the meetings." \
  --source globe-dprk-talks --quote 'his group was aware of the October meetings but was not invited to participate'

ledger add --id hanvoice-devil \
  --subject CA-KP --topic civil-society --modality reported \
  --attributed-to "Jack Kim, chairman of HanVoice" \
  --valid-from 2020 \
  --statement "From HanVoice's point of view, engaging the North Korean regime raises the question of whether to deal with the devil." \
  --note "A view Jack Kim gave The Globe and Mail for the report published in 2020 (inferred); held from that year. No date is given for the interview." \
  --source globe-dprk-talks --quote 'do you shake hands with the devil?'

ledger add --id hanvoice-understands-effort \
  --subject CA-KP --topic civil-society --modality reported \
  --attributed-to "Jack Kim, chairman of HanVoice" \
  --valid-from 2020 \
  --statement "HanVoice is in regular contact with Ottawa and understands the re-engagement effort; cutting North Korea off completely is the wrong approach." \
  --note "A view Jack Kim gave The Globe and Mail for the report published in 2020 (inferred); held from that year. No date is given for the interview." \
  --source globe-dprk-talks --quote 'Entirely sealing them off is not the correct approach'

ledger add --id hanvoice-engage-people \
  --subject CA-KP --topic civil-society --modality reported \
  --attributed-to "HanVoice" \
  --valid-from 2020 \
  --statement "HanVoice supports engagement with North Korean people, defectors above all, wherever possible." \
  --note "HanVoice's position as Jack Kim described it to The Globe and Mail for the report published in 2020 (inferred); held from that year. No date is given for the interview." \
  --source globe-dprk-talks --quote 'supports engaging with the North Korean people, especially defectors'

ledger add --id hanvoice-targeted-sanctions \
  --subject CA-KP --topic civil-society --modality reported \
  --attributed-to "Jack Kim, chairman of HanVoice" \
  --valid-from 2020 \
  --statement "It is time to consider replacing the broad sanctions with measures aimed at the ruling class of the corrupt North Korean state." \
  --note "A view Jack Kim gave The Globe and Mail for the report published in 2020 (inferred); held from that year. No date is given for the interview." \
  --source globe-dprk-talks --quote 'hit them where it hurts'

ledger add --id hanvoice-heard-little \
  --subject CA-KP --topic civil-society --modality reported \
  --attributed-to "Jack Kim, chairman of HanVoice" \
  --valid-from 2020 --valid-to 2020 \
  --statement "Over the past year he has heard little about any effort to restore diplomatic relations with North Korea." \
  --note "Said to The Globe and Mail for the report published in 2020 (inferred), about the year before the interview; recorded for 2020 only, as 'the past year' is relative to when he spoke." \
  --source globe-dprk-talks --quote 'heard little in the past year about efforts to re-establish diplomatic relations'

ledger add --id hanvoice-long-game \
  --subject CA-KP --topic civil-society --modality reported \
  --attributed-to "Jack Kim, chairman of HanVoice" \
  --valid-from 2020 \
  --statement "Dealing with North Korea takes patience: it is a long game, not a short one." \
  --note "A view Jack Kim gave The Globe and Mail for the report published in 2020 (inferred); held from that year. No date is given for the interview." \
  --source globe-dprk-talks --quote 'it’s a long game'

# ---------------------------------------------------------------------------
# The signed checkpoint of the whole ledger (TEST key; see the top).
# ---------------------------------------------------------------------------

"$BIN" --ledger "$OUT" checkpoint --key "$TEST_KEY" > "$CHECKPOINT"
