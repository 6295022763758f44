#!/bin/sh
echo "bazel coverage is not supported offline: @remote_coverage_tools is a stand-in (third_party/bazel/remote_coverage_tools)." >&2
exit 1
