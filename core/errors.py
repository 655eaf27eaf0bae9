"""Domain errors: a stable code for programs, a Chinese message for people, and the field
(form field or import column) at fault when there is one."""


class ServiceError(Exception):
    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __str__(self):
        return self.message

    def __reduce__(self):  # pickled with its fields (a forked check's error, core.forked)
        return (self.__class__, (self.code, self.message, self.field), self.__dict__)
