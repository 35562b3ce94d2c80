print("certify")
