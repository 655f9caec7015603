module agentprof.test/goclient

go 1.19
