"""Django's Redis cache backend, with one Redis client per connection pool instead of one per call.

Django's RedisCacheClient builds a new `redis.Redis` object around the pool for every cache
operation; with redis-py 7 that costs about as much as the round trip itself, and a catalog page
makes a dozen of them. A `redis.Redis` object is safe to share between threads (each command
takes a connection from the pool), so one per pool is kept.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
