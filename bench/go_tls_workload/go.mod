module agentprof.bench/gotlsworkload

go 1.19
