#!/bin/sh
# The compose quickstart's one-shot service: migrate, then (once) the demo plan, its roster and a
# platform admin key, like deploy/local/run. Runs in the PlanPortal image as its non-root user.
set -eu
pp=/app/bin/planportal
$pp migrate
if ! $pp plans list | cut -f1 | grep -qx ramu-demo; then
    $pp plans create --slug ramu-demo \
        --name-fr "RAMU — Université de démonstration" \
        --name-en "UHIP — Demonstration University" \
        --email-domain demo.example.ca \
        --portal-url "http://localhost:${PLANPORTAL_PORT:-8080}/portal" \
        --support-phone "1-888-509-7797" --support-email "infocentre@demo.example.ca" \
        --challenge-provider none
    $pp roster import --plan ramu-demo /seed/demo-roster.csv
fi
if [ ! -s /data/demo-admin-key ]; then
    umask 077
    $pp admin-keys create --name compose-demo --role platform | tail -n 1 > /data/demo-admin-key
    echo "platform admin key (also in the planportal-data volume, demo-admin-key): $(cat /data/demo-admin-key)"
fi
