module agentprof.test/gostackgrowth

go 1.19
