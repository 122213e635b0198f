#!/usr/bin/env python3
"""Write events/: API Gateway HTTP API (payload 2.0) requests with JWT-authorizer claims, in the
shape Lambda receives them (modelled on aws_lambda_events' example-apigw-v2-request-jwt-authorizer
fixture). Handler tests load them through lambda_http's own parser. Run from the repo root."""
import json
import os

SESSION = "01JDEMO0000000000000000000"


def event(method, path, route, query="", body=None, claims=True, groups="[student]", sub="demo-student", path_params=None):
    qs = dict(part.split("=", 1) for part in query.split("&") if part)
    ctx = {
        "accountId": "123456789012", "apiId": "a1b2c3d4e5",
        "domainName": "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com", "domainPrefix": "a1b2c3d4e5",
        "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.10", "userAgent": "curl/8.5.0"},
        "requestId": "JKJaXmPLvHcESHA=", "routeKey": route, "stage": "$default",
        "time": "22/Nov/2026:09:30:00 +0000", "timeEpoch": 1795253400000,
    }
    if claims:
        ctx["authorizer"] = {"jwt": {"claims": {
            "aud": "6example1clientid2abc3", "auth_time": "1795253000", "cognito:groups": groups,
            "cognito:username": sub, "email": f"{sub}@example.com", "email_verified": "true",
            "exp": "1795256600", "iat": "1795253000",
            "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example1",
            "sub": sub, "token_use": "id"}, "scopes": None}}
    headers = {"accept": "application/json", "authorization": "Bearer eyJraWQiOiJleGFtcGxlIn0.e30.c2lnbmF0dXJl",
               "host": ctx["domainName"], "user-agent": "curl/8.5.0", "x-forwarded-for": "203.0.113.10",
               "x-forwarded-port": "443", "x-forwarded-proto": "https"}
    ev = {"version": "2.0", "routeKey": route, "rawPath": path, "rawQueryString": query, "headers": headers,
          "requestContext": ctx, "isBase64Encoded": False}
    if qs:
        ev["queryStringParameters"] = qs
    if path_params:
        ev["pathParameters"] = path_params
    if body is not None:
        headers["content-type"] = "application/json"
        ev["body"] = json.dumps(body)
    return ev


def write(folder, name, ev):
    os.makedirs(f"events/{folder}", exist_ok=True)
    with open(f"events/{folder}/{name}", "w") as f:
        json.dump(ev, f, indent=2)
        f.write("\n")


cur = "country=India&board=CBSE&grade=3"
write("curriculum", "list-subjects.json", event("GET", "/curriculum", "GET /curriculum", cur))
write("curriculum", "list-topics.json", event("GET", "/curriculum", "GET /curriculum", cur + "&subject=Mathematics"))
write("curriculum", "list-subtopics.json", event("GET", "/curriculum", "GET /curriculum", cur + "&subject=Mathematics&topic=Fractions"))
gid = "cbse3-maths-fractions-halves-quarters"
write("curriculum", "get-guideline.json", event("GET", f"/guidelines/{gid}", "GET /guidelines/{id}", path_params={"id": gid}))
write("curriculum", "bad-grade.json", event("GET", "/curriculum", "GET /curriculum", "country=India&board=CBSE&grade=thirteen"))
write("curriculum", "no-authorizer.json", event("GET", "/curriculum", "GET /curriculum", cur, claims=False))

goal = {"goal": {"guideline_id": "cbse3-maths-multiplication-repeated-addition"}}
write("session-create", "create.json", event("POST", "/sessions", "POST /sessions", body=goal))
write("session-create", "create-as-tutor.json", event("POST", "/sessions", "POST /sessions", body=goal, groups="[tutor]", sub="demo-tutor"))
write("session-create", "create-unknown-guideline.json", event("POST", "/sessions", "POST /sessions", body={"goal": {"guideline_id": "no-such-guideline"}}))
write("session-step", "answer.json", event("POST", f"/sessions/{SESSION}/step", "POST /sessions/{id}/step", body={"step": 0, "student_reply": "12"}, path_params={"id": SESSION}))
write("session-step", "empty-reply.json", event("POST", f"/sessions/{SESSION}/step", "POST /sessions/{id}/step", body={"step": 0, "student_reply": "  "}, path_params={"id": SESSION}))
write("session-read", "get.json", event("GET", f"/sessions/{SESSION}", "GET /sessions/{id}", path_params={"id": SESSION}))
write("session-read", "summary.json", event("GET", f"/sessions/{SESSION}/summary", "GET /sessions/{id}/summary", path_params={"id": SESSION}))
write("session-read", "list-as-parent.json", event("GET", "/students/demo-student/sessions", "GET /students/{id}/sessions", "limit=10", groups="[parent]", sub="demo-parent", path_params={"id": "demo-student"}))

write("practice-assign", "assign-maths.json", event("POST", "/practice/assign", "POST /practice/assign", body={"subject": "Mathematics"}))
write("practice-assign", "assign-unknown-subject.json", event("POST", "/practice/assign", "POST /practice/assign", body={"subject": "Astrology"}))
write("practice-assign", "assign-as-parent.json", event("POST", "/practice/assign", "POST /practice/assign", body={"subject": "Science"}, groups="[parent]", sub="demo-parent"))
write("practice-complete", "complete.json", event("POST", "/practice/complete", "POST /practice/complete", body={"assignment_id": "mathematics.maths-addition-d01-0.01jdemo0000000000000000000", "answer": "12", "hints_used": 0}))
write("practice-complete", "complete-too-long.json", event("POST", "/practice/complete", "POST /practice/complete", body={"assignment_id": "mathematics.maths-addition-d01-0.01jdemo0000000000000000000", "answer": "1" * 1001}))
write("goals", "create.json", event("POST", "/goals", "POST /goals", body={"subject": "Mathematics", "topics": ["Fractions"], "target": 5}))
write("goals", "list.json", event("GET", "/goals", "GET /goals"))
write("practice-review", "queue.json", event("GET", "/practice/review", "GET /practice/review", "subject=Science", groups="[tutor]", sub="demo-tutor"))
write("practice-review", "approve.json", event("PATCH", "/practice/items/ITEMID", "PATCH /practice/items/{id}", body={"review": "approved"}, groups="[tutor]", sub="demo-tutor", path_params={"id": "ITEMID"}))
write("practice-review", "reject-as-student.json", event("PATCH", "/practice/items/ITEMID", "PATCH /practice/items/{id}", body={"review": "rejected"}, path_params={"id": "ITEMID"}))
write("goals", "archive.json", event("PATCH", "/goals/GOALID", "PATCH /goals/{id}", body={"status": "archived"}, path_params={"id": "GOALID"}))

write("me", "get.json", event("GET", "/me", "GET /me"))
write("me", "patch.json", event("PATCH", "/me", "PATCH /me", body={"time_zone": "Asia/Kolkata", "daily_cap": 2, "quiet_hours": {"start": "22:00", "end": "07:00"}}))
write("me", "patch-bad-zone.json", event("PATCH", "/me", "PATCH /me", body={"time_zone": "Mars/Olympus"}))
write("me", "patch-bad-quiet-hours.json", event("PATCH", "/me", "PATCH /me", body={"quiet_hours": {"start": "9pm", "end": "07:00"}}))
write("me", "patch-bad-cap.json", event("PATCH", "/me", "PATCH /me", body={"daily_cap": 9}))
link = {"kind": "tutor", "adult": "demo-tutor", "student": "demo-student"}
write("people", "link-tutor.json", event("PUT", "/admin/links/tutor/demo-tutor/demo-student", "PUT /admin/links/{kind}/{adult}/{student}", groups="[admin]", sub="demo-admin", path_params=link))
write("people", "unlink-tutor.json", event("DELETE", "/admin/links/tutor/demo-tutor/demo-student", "DELETE /admin/links/{kind}/{adult}/{student}", groups="[admin]", sub="demo-admin", path_params=link))
write("people", "link-as-tutor.json", event("PUT", "/admin/links/tutor/demo-tutor/demo-student", "PUT /admin/links/{kind}/{adult}/{student}", groups="[tutor]", sub="demo-tutor", path_params=link))
write("people", "students-as-tutor.json", event("GET", "/students", "GET /students", groups="[tutor]", sub="demo-tutor"))
write("people", "audit.json", event("GET", "/admin/audit", "GET /admin/audit", "target=demo-student", groups="[admin]", sub="demo-admin"))

# The Cognito post-confirmation trigger (aws_lambda_events' fixture with real-looking values).
confirmed = {
    "version": "1", "triggerSource": "PostConfirmation_ConfirmSignUp", "region": "eu-west-1",
    "userPoolId": "eu-west-1_Example1", "userName": "3f1c22ab-4d5e-4f60-8a7b-9c0d1e2f3a4b",
    "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "6example1clientid2abc3"},
    "request": {"userAttributes": {"sub": "3f1c22ab-4d5e-4f60-8a7b-9c0d1e2f3a4b", "email": "ada@example.com",
                                   "email_verified": "true", "cognito:user_status": "CONFIRMED"}},
    "response": {},
}
write("profile-created", "post-confirmation.json", confirmed)
