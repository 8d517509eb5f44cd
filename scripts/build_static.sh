#!/usr/bin/env bash
# Copy the front-end libraries installed by npm (package-lock.json) into webui/static/vendor, and build
# the browser modeler (webui/frontend, esbuild) into webui/static/vendor/designer.
# They are served by Django as static files; nothing is loaded from a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
out=webui/static/vendor
rm -rf "$out/bpmn-js" "$out/htmx" "$out/echarts"
mkdir -p "$out/bpmn-js" "$out/htmx" "$out/echarts"
cp node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js "$out/bpmn-js/"
cp -r node_modules/bpmn-js/dist/assets "$out/bpmn-js/assets"
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx/"
cp node_modules/echarts/dist/echarts.min.js "$out/echarts/"
# Rebuilt only when its sources, package-lock.json or the build script changed (a hash kept beside it).
node webui/frontend/build.mjs
