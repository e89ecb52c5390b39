"""Writes the number of SQL queries a request made into the response header X-Query-Count."""

from django.db import connections


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counted(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connections["default"].execute_wrapper(counted):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response
