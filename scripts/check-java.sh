#!/usr/bin/env bash
# Spark needs a Java runtime (17 is what Glue 5.0 uses). Fail early with the fix instead of a JVM trace.
set -euo pipefail
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then JAVA="$JAVA_HOME/bin/java"; else JAVA="$(command -v java || true)"; fi
if [ -z "$JAVA" ]; then
  echo "error: Java not found; local Spark needs Java 17. fix: install it (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17) or set JAVA_HOME" >&2
  exit 1
fi
version="$("$JAVA" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')"
major="${version%%.*}"
if [ "$major" = "1" ]; then major="$(echo "$version" | cut -d. -f2)"; fi
if [ -z "$major" ] || [ "$major" -lt 11 ] || [ "$major" -gt 21 ]; then
  echo "error: Java $version found at $JAVA; Spark 3.5 runs on Java 11-21 (17 recommended). fix: install Java 17 and set JAVA_HOME" >&2
  exit 1
fi
