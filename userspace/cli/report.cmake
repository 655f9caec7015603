# agentprof_report: the `agentprof report` subcommand (summaries of span JSONL files).
# Included by the lead's CLI build and by tests/unit/report; the guard makes a second include a no-op.
include_guard(GLOBAL)
add_library(agentprof_report STATIC ${CMAKE_CURRENT_LIST_DIR}/report.cpp)
target_include_directories(agentprof_report PUBLIC ${PROJECT_SOURCE_DIR}/userspace)
target_link_libraries(agentprof_report PUBLIC agentprof_jsonl agentprof_trace)
