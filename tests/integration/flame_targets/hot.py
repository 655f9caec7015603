# Flame test target: hot_python_function runs ten times the work of cold_python_function.
import sys, time
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
    hot_python_function()
    cold_python_function()
