# Flame test target: the hot Python code runs in a worker thread while the main thread waits.
import sys, threading, time
def worker_hot_function(end):
    s = 0
    while time.time() < end:
        for i in range(10000):
            s += i
    return s
t = threading.Thread(target=worker_hot_function, args=(time.time() + float(sys.argv[1]),))
t.start()
t.join()
