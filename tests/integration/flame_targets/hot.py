# Flame test target: hot_python_function runs ten times the work of cold_python_function.
# The order of the two calls is drawn at random each round so the sampling timer cannot alias with a
# fixed-length round and see only one of them.
import random, sys, time
def leaf_work(n):
    s = 0
    for i in range(n):
        s += i * i
    return s
def hot_python_function():
    return leaf_work(20000)
def cold_python_function():
    return leaf_work(2000)
end = time.time() + float(sys.argv[1])
while time.time() < end:
    if random.random() < 0.5:
        hot_python_function()
        cold_python_function()
    else:
        cold_python_function()
        hot_python_function()
