module agentprof.test/h2proxy

go 1.19
